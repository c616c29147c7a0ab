# The openai Python client's Responses API against Aegis (run by responses-sdk.test.ts with the
# test world's pinned venv): whole and streamed, and a function-tool round trip over
# previous_response_id.
import json
import os

from openai import OpenAI

client = OpenAI(base_url=os.environ["BASE_URL"], api_key=os.environ["API_KEY"], max_retries=0)
model = os.environ["MODEL"]
tools = [{"type": "function", "name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]

whole = client.responses.create(model=model, input="Say hi.")

types, streamed, completed = [], "", None
with client.responses.stream(model=model, input="Say hi.") as stream:
    for event in stream:
        types.append(event.type)
        if event.type == "response.output_text.delta":
            streamed += event.delta
    completed = stream.get_final_response()

first = client.responses.create(model=model, input="Weather in Paris?", tools=tools)
call = next(o for o in first.output if o.type == "function_call")
follow_up = client.responses.create(model=model, previous_response_id=first.id, tools=tools,
                                    input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"}])

print(json.dumps({
    "whole": {"status": whole.status, "text": whole.output_text},
    "stream": {"types": types, "text": streamed, "status": completed.status},
    "call": {"name": call.name, "arguments": call.arguments},
    "followUp": {"text": follow_up.output_text, "previous": follow_up.previous_response_id},
}))
