"""Starts moto's server with what Rainforest needs switched on before any state machine exists:
Step Functions really executing ASL, and Lambda never reaching for Docker.

Usage: python infra/moto_server.py PORT
"""

import sys

from moto.core.config import default_user_config

default_user_config["stepfunctions"]["execute_state_machine"] = True
default_user_config["lambda"]["use_docker"] = False

from moto.server import main  # noqa: E402  (the config must be set first)

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
