# The official openai Python client's Chat Completions and Embeddings against Aegis (run by
# openai-python.test.ts with the test world's pinned venv, in front of a real small model): whole
# and streamed, a forced tool call and its round trip, embeddings, and a wrong key.
import json
import os

import openai
from openai import OpenAI

base_url, key, model = os.environ["BASE_URL"], os.environ["API_KEY"], os.environ["MODEL"]
client = OpenAI(base_url=base_url, api_key=key, max_retries=0)
hello = [{"role": "user", "content": "Say hello."}]
sampling = {"temperature": 0, "seed": 1, "max_tokens": 16}

whole = client.chat.completions.create(model=model, messages=hello, **sampling)

streamed, chunks, finish, usage = "", 0, None, None
for chunk in client.chat.completions.create(model=model, messages=hello, stream=True,
                                            stream_options={"include_usage": True}, **sampling):
    chunks += 1
    if chunk.usage:
        usage = chunk.usage.completion_tokens
    if chunk.choices:
        streamed += chunk.choices[0].delta.content or ""
        finish = chunk.choices[0].finish_reason or finish

# tool_choice names the function: llama-cpp-python then decodes under the tool's JSON schema, so a
# 135M model writes a valid call every time (the plumbing is tested, not the model's judgement).
# The city is an enum: llama-cpp-python's grammar lets a free string run on past newlines, and on
# some CPUs this model never closes it before max_tokens.
tools = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "London", "Tokyo"]}},
                   "required": ["city"]}}}]
ask = [{"role": "user", "content": "What is the weather in Paris?"}]
first = client.chat.completions.create(model=model, messages=ask, tools=tools, max_tokens=48, temperature=0,
                                       tool_choice={"type": "function", "function": {"name": "get_weather"}})
call = first.choices[0].message.tool_calls[0]
follow_up = client.chat.completions.create(model=model, max_tokens=24, temperature=0, tools=tools, tool_choice="none", messages=[
    *ask,
    {"role": "assistant", "content": None,
     "tool_calls": [{"id": call.id, "type": "function",
                     "function": {"name": call.function.name, "arguments": call.function.arguments}}]},
    {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"},
])

# The client asks for base64 unless told otherwise; Aegis encodes float32 for it.
embeddings = client.embeddings.create(model=model, input=["local models", "gateway"])
floats = client.embeddings.create(model=model, input="local models", encoding_format="float")

denied = {}
try:
    OpenAI(base_url=base_url, api_key="sk-wrong", max_retries=0).chat.completions.create(model=model, messages=hello)
except openai.AuthenticationError as err:
    denied = {"status": err.status_code, "code": err.code, "type": err.type}

print(json.dumps({
    "whole": {"object": whole.object, "text": whole.choices[0].message.content,
              "finish": whole.choices[0].finish_reason, "tokens": whole.usage.completion_tokens},
    "stream": {"chunks": chunks, "text": streamed, "finish": finish, "usage": usage},
    "call": {"id": call.id, "name": call.function.name, "arguments": json.loads(call.function.arguments),
             "finish": first.choices[0].finish_reason},
    "followUp": {"text": follow_up.choices[0].message.content, "calls": follow_up.choices[0].message.tool_calls,
                 "finish": follow_up.choices[0].finish_reason},
    "embeddings": {"count": len(embeddings.data), "indexes": [d.index for d in embeddings.data],
                   "dims": [len(d.embedding) for d in embeddings.data],
                   "first": embeddings.data[0].embedding[:4], "floatFirst": floats.data[0].embedding[:4]},
    "denied": denied,
}))
