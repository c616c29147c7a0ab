// The accuracy run's workload: three tools and 50 prompts that each need one of them.
import type OpenAI from 'openai';

export const benchTools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
        required: ['city'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'convert_currency',
      description: 'Convert an amount of money from one currency to another.',
      parameters: {
        type: 'object',
        properties: {
          amount: { type: 'number' },
          from: { type: 'string', description: 'ISO currency code, e.g. USD' },
          to: { type: 'string', description: 'ISO currency code, e.g. EUR' },
        },
        required: ['amount', 'from', 'to'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'send_email',
      description: 'Send an email.',
      parameters: {
        type: 'object',
        properties: { to: { type: 'string', description: 'Recipient address' }, subject: { type: 'string' }, body: { type: 'string' } },
        required: ['to', 'subject', 'body'],
      },
    },
  },
];

/** Prompt and the tool it needs. */
export const benchPrompts: [string, string][] = [
  ['What is the weather in Paris?', 'get_weather'],
  ['Is it raining in London right now?', 'get_weather'],
  ['How hot is it in Cairo today?', 'get_weather'],
  ['Tell me the weather in Tokyo in fahrenheit.', 'get_weather'],
  ['Do I need an umbrella in Seattle?', 'get_weather'],
  ['What is the temperature in Berlin?', 'get_weather'],
  ['Weather forecast for Madrid please.', 'get_weather'],
  ['Is it sunny in Sydney?', 'get_weather'],
  ['How cold is Oslo right now, in celsius?', 'get_weather'],
  ['Check the weather in New York.', 'get_weather'],
  ['What are the conditions in Rome today?', 'get_weather'],
  ['Is it windy in Chicago?', 'get_weather'],
  ['Give me the current weather for Lisbon.', 'get_weather'],
  ['Will I need a coat in Moscow today?', 'get_weather'],
  ['What is the weather like in Mumbai?', 'get_weather'],
  ['Is it snowing in Denver?', 'get_weather'],
  ['Temperature in Toronto right now?', 'get_weather'],
  ['Convert 100 USD to EUR.', 'convert_currency'],
  ['How much is 50 euros in dollars?', 'convert_currency'],
  ['Change 2000 JPY into GBP.', 'convert_currency'],
  ['What is 75 GBP in USD?', 'convert_currency'],
  ['Convert 10 EUR to CHF.', 'convert_currency'],
  ['How many yen is 30 dollars?', 'convert_currency'],
  ['Exchange 500 CAD to USD.', 'convert_currency'],
  ['What do 1000 INR come to in EUR?', 'convert_currency'],
  ['Convert 42 AUD into NZD.', 'convert_currency'],
  ['I have 300 SEK, how much is that in EUR?', 'convert_currency'],
  ['Turn 60 USD into MXN.', 'convert_currency'],
  ['What is 15 CHF in GBP?', 'convert_currency'],
  ['Convert 250 EUR to JPY.', 'convert_currency'],
  ['How much is 80 dollars in British pounds?', 'convert_currency'],
  ['Convert 1 BTC worth 60000 USD into EUR.', 'convert_currency'],
  ['Price check: 99 USD in CAD?', 'convert_currency'],
  ['Convert 5 GBP to EUR.', 'convert_currency'],
  ['Email bob@example.com that the meeting moved to 3pm.', 'send_email'],
  ['Send an email to alice@example.com saying thanks for the report.', 'send_email'],
  ['Write to hr@example.com with subject Leave and tell them I am off Friday.', 'send_email'],
  ['Email the team at team@example.com: the build is green.', 'send_email'],
  ['Send carol@example.com a note that lunch is at noon.', 'send_email'],
  ['Notify ops@example.com by email that the server restarted.', 'send_email'],
  ['Email dave@example.com the subject Invoice and say it is paid.', 'send_email'],
  ['Send an email to support@example.com about my broken login.', 'send_email'],
  ['Mail eve@example.com to say happy birthday.', 'send_email'],
  ['Email frank@example.com that the package shipped.', 'send_email'],
  ['Send a reminder email to grace@example.com about the dentist.', 'send_email'],
  ['Email heidi@example.com: the contract is signed.', 'send_email'],
  ['Tell ivan@example.com by email that the demo is tomorrow.', 'send_email'],
  ['Email judy@example.com asking for the slides.', 'send_email'],
  ['Send mallory@example.com an email with subject Hello and body Hi there.', 'send_email'],
  ['Email oscar@example.com that rent is due.', 'send_email'],
];
