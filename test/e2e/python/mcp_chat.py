"""The official Python MCP client (`mcp` from PyPI) against Aegis' /mcp: list the tools, run `chat`.

Usage: python mcp_chat.py URL KEY MODEL. Prints one JSON line: {"tools": [...], "answer": ..., "is_error": ...}.
"""
import asyncio
import json
import sys

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


async def main(url: str, key: str, model: str) -> None:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http, streamable_http_client(url, http_client=http) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            result = await session.call_tool("chat", {"model": model, "prompt": "Say hello.", "max_tokens": 16, "temperature": 0})
            text = "".join(c.text for c in result.content if getattr(c, "type", "") == "text")
            # mcp 2.x names fields in snake case; 1.x in camel case.
            is_error = getattr(result, "is_error", None)
            if is_error is None:
                is_error = getattr(result, "isError", False)
            print(json.dumps({"tools": [t.name for t in tools.tools], "answer": text, "is_error": bool(is_error)}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
