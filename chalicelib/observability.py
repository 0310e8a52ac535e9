"""One structured (JSON lines) logger for the whole service."""

from aws_lambda_powertools import Logger

# Its level is the settings' LOG_LEVEL, set by chalicelib.runtime.configure.
logger = Logger(service="catalyst")
