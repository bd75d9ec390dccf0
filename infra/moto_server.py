"""Starts moto's server with what Rainforest needs switched on before any state machine exists:
Step Functions really executing ASL, Lambda never reaching for Docker, the calls of state
machines (any client moto makes) sent where the stack serves them: Lambda to Rainforest's local
Invoke API (RAINFOREST_LAMBDA_ENDPOINT), DynamoDB to dynoxide (RAINFOREST_DYNAMODB_ENDPOINT),
Step Functions' `StartSyncExecution`, which moto's server does not route, answered as AWS does,
and its `states:startExecution` task given the request its API expects.

Usage: python infra/moto_server.py PORT
"""

import copy
import datetime
import os
import re
import sys
import uuid

import boto3
import botocore.session
from botocore import xform_name
from moto.core.config import default_user_config
from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult
from moto.stepfunctions.parser.api import StateMachineType
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)
from moto.stepfunctions.parser.backend.execution import SyncExecution
from moto.stepfunctions.models import StepFunctionBackend
from moto.stepfunctions.responses import StepFunctionResponse

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


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


def start_sync_execution(self):
    """Runs an Express execution to its end within the request, as AWS does: its result in the
    answer (a failure is the execution's status, not an error), a Standard machine refused.
    Kept among the machine's executions and described by its ARN, as AWS does not (it logs
    Express runs to CloudWatch only), so that local benchmarks can read its history."""
    backend = self.stepfunction_backend
    machine = backend.describe_state_machine(self._get_param("stateMachineArn"))
    if machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    name = self._get_param("name") or str(uuid.uuid4())
    # A snapshot of the definition, as StartExecution takes (without the live executions).
    snapshot = copy.deepcopy(machine, {id(machine.executions): [], id(machine.backend): machine.backend})
    execution = SyncExecution(
        name=name,
        sm_type=StateMachineType.EXPRESS,
        role_arn=machine.roleArn,
        exec_arn=f"{machine.arn.replace(':stateMachine:', ':express:')}:{name}:{uuid.uuid4()}",
        account_id=backend.account_id,
        region_name=backend.region_name,
        state_machine=snapshot,
        start_date=datetime.datetime.now(tz=datetime.timezone.utc),
        cloud_watch_logging_session=None,
        input_data=self._get_param("input", if_none="{}"),
        trace_header=None,
        activity_store={},
    )
    machine.executions.append(execution)
    execution.start()  # a SyncExecution runs to its end here
    return ActionResult(execution.to_start_sync_execution_output())


StepFunctionResponse.start_sync_execution = start_sync_execution
StepFunctionBackend.accepted_exec_arn_format = re.compile(
    StepFunctionBackend.accepted_exec_arn_format.pattern.replace(":execution:", ":(execution|express):")
)

_models = botocore.session.get_session()


def _to_api_request(self, parameters, boto_service_name=None, service_action_name=None):
    """The task's `Parameters` (`StateMachineArn`, an `Input` object) as the API takes them
    (`stateMachineArn`, `input` as JSON text), which moto's port leaves undone."""
    model = _models.get_service_model(boto_service_name or self._get_boto_service_name())
    action = service_action_name or self._get_boto_service_action()
    operation = next(op for op in model.operation_names if xform_name(op) == action)
    self._to_boto_request(parameters, model.operation_model(operation).input_shape)


StateTaskServiceSfn._normalise_parameters = _to_api_request

from moto.server import main  # noqa: E402  (the config must be set first)

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
