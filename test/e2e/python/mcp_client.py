"""The official Python MCP client (`mcp` from PyPI) against Aegis' /mcp: list the tools, run `chat`
and `consult` with the key, hit the policy with a model the key's role may not use, and connect
without a key.

Usage: python mcp_client.py URL KEY MODEL DENIED_MODEL CONSULTATION_FILE. Prints one JSON line:
{"tools", "chat": {"text", "is_error"}, "consult": {"text", "is_error", "document", "file"},
 "denied": {"text", "is_error"}, "no_key": {"raised", "message", "status"}}.
"""
import asyncio
import json
import sys
from pathlib import Path

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def field(result, snake: str, camel: str, default=None):
    # mcp 2.x names fields in snake case; 1.x in camel case.
    value = getattr(result, snake, None)
    return getattr(result, camel, default) if value is None else value


def tool_result(result) -> dict:
    text = "".join(c.text for c in result.content if getattr(c, "type", "") == "text")
    return {"text": text, "is_error": bool(field(result, "is_error", "isError", False))}


async def with_session(url: str, headers: dict, run, statuses: list | None = None):
    http = create_mcp_http_client(headers=headers)
    if statuses is not None:
        # The client turns a non-2xx reply into a generic MCPError; the hook keeps the HTTP status.
        async def record(response):
            statuses.append(response.status_code)

        http.event_hooks["response"].append(record)
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            return await run(session)


async def main(url: str, key: str, model: str, denied_model: str, consultation_file: str) -> None:
    document = Path(consultation_file).read_text(encoding="utf-8")

    async def authorised(session: ClientSession) -> dict:
        tools = await session.list_tools()
        chat = await session.call_tool("chat", {"model": model, "prompt": "Say hello.", "max_tokens": 16, "temperature": 0})
        consult = await session.call_tool("consult", {"model": model, "document": document, "max_tokens": 96, "temperature": 0})
        denied = await session.call_tool("chat", {"model": denied_model, "prompt": "hi", "max_tokens": 16, "temperature": 0})
        structured = field(consult, "structured_content", "structuredContent") or {}
        return {
            "tools": [t.name for t in tools.tools],
            "chat": tool_result(chat),
            "consult": {**tool_result(consult), "document": structured.get("document"), "file": structured.get("file")},
            "denied": tool_result(denied),
        }

    out = await with_session(url, {"Authorization": f"Bearer {key}"}, authorised)

    statuses: list[int] = []
    try:
        await with_session(url, {}, lambda session: session.list_tools(), statuses)
        out["no_key"] = {"raised": None, "message": None, "status": statuses[0] if statuses else None}
    except Exception as err:  # noqa: BLE001 - the point is to report whatever the client raises
        # anyio task groups may wrap it; report the innermost.
        while isinstance(err, BaseExceptionGroup) and len(err.exceptions) == 1:
            err = err.exceptions[0]
        out["no_key"] = {"raised": type(err).__name__, "message": str(err), "status": statuses[0] if statuses else None}
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
