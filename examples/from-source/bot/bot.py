"""A tiny Pipecat Cloud bot: the base image calls `bot()` for every session.

Its keys (OPENAI_API_KEY, DAILY_API_KEY) come from the agent's secret set as environment variables, never from a
file in this directory.
"""

import os

from loguru import logger
from pipecat.runner.types import RunnerArguments


async def bot(runner_args: RunnerArguments):
    logger.info(f"session starting; OpenAI key present: {bool(os.getenv('OPENAI_API_KEY'))}")
