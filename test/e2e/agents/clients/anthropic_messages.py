# The Anthropic Python SDK against Aegis' Messages door: messages.create, messages.stream and a
# tool-use round trip.
import json
import os

import anthropic

client = anthropic.Anthropic(base_url=os.environ["BASE_URL"], api_key=os.environ["API_KEY"], max_retries=0)
model = os.environ["MODEL"]
tools = [{"name": "get_weather", "description": "Weather for a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]

whole = client.messages.create(model=model, max_tokens=256, messages=[{"role": "user", "content": "Say hi."}])
with client.messages.stream(model=model, max_tokens=256, messages=[{"role": "user", "content": "Say hi."}]) as stream:
    text = "".join(stream.text_stream)
    streamed = stream.get_final_message()

ask = [{"role": "user", "content": "Weather in Paris?"}]
first = client.messages.create(model=model, max_tokens=256, tools=tools, messages=ask)
use = next(b for b in first.content if b.type == "tool_use")
answer = client.messages.create(model=model, max_tokens=256, tools=tools, messages=ask + [
    {"role": "assistant", "content": [b.model_dump() for b in first.content]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"}]},
])

print(json.dumps({
    "whole": {"text": whole.content[0].text, "stop": whole.stop_reason},
    "stream": {"text": text, "final": streamed.content[0].text, "stop": streamed.stop_reason},
    "toolUse": {"name": use.name, "input": use.input, "stop": first.stop_reason},
    "answer": {"text": answer.content[0].text, "stop": answer.stop_reason},
}))
