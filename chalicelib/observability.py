"""One structured (JSON lines) logger for the whole service."""

from aws_lambda_powertools import Logger

from chalicelib.config import settings

logger = Logger(service="catalyst", level=settings.log_level)
