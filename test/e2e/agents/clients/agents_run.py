# The OpenAI Agents SDK (PyPI) running a tool-using agent against Aegis over the Responses API.
import asyncio
import json
import os

from agents import Agent, Runner, function_tool, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

set_tracing_disabled(True)
set_default_openai_client(AsyncOpenAI(base_url=os.environ["BASE_URL"], api_key=os.environ["API_KEY"], max_retries=0))
calls = []


@function_tool
def get_weather(city: str) -> str:
    """Weather for a city."""
    calls.append(city)
    return f"sunny in {city}"


async def main() -> None:
    agent = Agent(name="helper", instructions="Answer with the tools.", model=os.environ["MODEL"], tools=[get_weather])
    whole = await Runner.run(agent, "Weather in Paris?")
    streamed = Runner.run_streamed(agent, "Weather in Paris?")
    async for _ in streamed.stream_events():
        pass
    print(json.dumps({"calls": calls, "whole": whole.final_output, "streamed": streamed.final_output}))


asyncio.run(main())
