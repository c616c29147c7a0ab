# The official openai Python client's tool calls against Aegis (run by tool-calls.test.ts with the
# test world's pinned venv, once per runtime model): a required call whole and streamed, then a
# follow-up carrying the result of the call the model made. It reports what the client parsed; the
# test judges it.
import json
import os

from openai import OpenAI

base_url, key, model = os.environ["BASE_URL"], os.environ["API_KEY"], os.environ["MODEL"]
tools = json.loads(os.environ["TOOLS"])
client = OpenAI(base_url=base_url, api_key=key, max_retries=0)
ask = [{"role": "user", "content": "What is the weather in Paris?"}]
sampling = {"temperature": 0, "max_tokens": int(os.environ["MAX_TOKENS"])}
# Ollama's slow CPU build is held to one call per answer, as the npm tests do.
if os.environ.get("PARALLEL_TOOL_CALLS") == "false":
    sampling["parallel_tool_calls"] = False


def calls_of(message):
    return [{"id": c.id, "type": c.type, "function": {"name": c.function.name, "arguments": c.function.arguments}}
            for c in message.tool_calls or []]


whole = client.chat.completions.create(model=model, messages=ask, tools=tools, tool_choice="required", **sampling)
made = calls_of(whole.choices[0].message)

streamed, finish = {}, None
for chunk in client.chat.completions.create(model=model, messages=ask, tools=tools, tool_choice="required",
                                            stream=True, **sampling):
    if not chunk.choices:
        continue
    choice = chunk.choices[0]
    finish = choice.finish_reason or finish
    for d in choice.delta.tool_calls or []:
        call = streamed.setdefault(d.index, {"id": "", "type": None, "function": {"name": "", "arguments": ""}})
        call["id"] = d.id or call["id"]
        call["type"] = d.type or call["type"]
        if d.function:
            call["function"]["name"] += d.function.name or ""
            call["function"]["arguments"] += d.function.arguments or ""

# The history goes back as the client holds it: the assistant turn with its calls (content None),
# then one tool message per call.
follow_up = None
if made:
    results = [{"role": "tool", "tool_call_id": c["id"], "content": '{"temperature_c": 21, "sky": "sunny"}'} for c in made]
    answer = client.chat.completions.create(model=model, tools=tools, messages=[
        *ask, {"role": "assistant", "content": None, "tool_calls": made}, *results], **sampling).choices[0]
    follow_up = {"finish": answer.finish_reason, "text": answer.message.content, "calls": calls_of(answer.message)}

print(json.dumps({
    "whole": {"finish": whole.choices[0].finish_reason, "calls": made},
    "stream": {"finish": finish, "calls": [streamed[i] for i in sorted(streamed)]},
    "followUp": follow_up,
}))
