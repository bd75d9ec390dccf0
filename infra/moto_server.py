"""Starts moto's server with what Rainforest needs switched on before any state machine exists:
Step Functions really executing ASL, Lambda never reaching for Docker, and the calls of state
machines (any client moto makes) sent where the stack serves them: Lambda to Rainforest's local
Invoke API (RAINFOREST_LAMBDA_ENDPOINT), DynamoDB to dynoxide (RAINFOREST_DYNAMODB_ENDPOINT).

Usage: python infra/moto_server.py PORT
"""

import os
import sys

import boto3
from moto.core.config import default_user_config

default_user_config["stepfunctions"]["execute_state_machine"] = True
default_user_config["lambda"]["use_docker"] = False

_client = boto3.client


ENDPOINTS = {
    "lambda": os.environ.get("RAINFOREST_LAMBDA_ENDPOINT"),
    "dynamodb": os.environ.get("RAINFOREST_DYNAMODB_ENDPOINT"),
}


def _client_with_local_endpoints(*args, **kwargs):
    service = kwargs.get("service_name", args[0] if args else None)
    if ENDPOINTS.get(service):
        kwargs["endpoint_url"] = ENDPOINTS[service]
    return _client(*args, **kwargs)


boto3.client = _client_with_local_endpoints

from moto.server import main  # noqa: E402  (the config must be set first)

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
