"""The local AWS stack on free loopback ports, with template.yaml's resources created in it:
dynoxide (DynamoDB and its streams, embedded in `rainforest-local dynamodb`), moto (S3, SQS, SNS,
Step Functions and the rest) and osmem-server (OpenSearch API).

    python infra/stack.py start          start (or reuse) the stack, print its endpoints
        [--emulators-only]               without creating the template's resources
        [--lambda-endpoint URL]          where state machines' Lambda tasks are invoked
    python infra/stack.py stop           stop what start started, and wait until it has exited
    python infra/stack.py up [--keep-data] -- CMD...
                                         infra/up: start the emulators, run CMD (the local system)
                                         against them, and on SIGINT or SIGTERM stop CMD and
                                         every emulator before exiting; --keep-data keeps
                                         DynamoDB's data in dynamodb.sqlite across runs

RAINFOREST_TTL_SWEEP_SECONDS sets how often expired DynamoDB items are deleted (5).
    python infra/stack.py env            the stack's environment, as KEY=VALUE lines
    python infra/stack.py run -- CMD...  run CMD against the stack, starting it first if it
                                         is not running and stopping it afterwards if so

State lives in $RAINFOREST_LOCAL_DIR, by default .local/ (git-ignored): stack.json (the
processes started, endpoints), stack.env, logs. stack.json is removed only once every process it
names has exited, so a run that was killed is cleaned up by the next start.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("RAINFOREST_LOCAL_DIR", ROOT / ".local")).resolve()
STATE = LOCAL / "stack.json"
ENV_FILE = LOCAL / "stack.env"
PREFIX = "rainforest"
STOP_SECONDS = 20
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # Never read ~/.aws: a developer's real profile must not leak into local runs.
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
    # The AWS CLI's StartSyncExecution at the endpoint itself, not at its unresolvable `sync-`
    # host (the functions' SDK resolves that name instead: infra/src/local_dns.rs).
    "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def started_at(pid):
    """The process's start time in clock ticks since boot, which tells it from a later process
    that reuses its pid; None once it has exited (or been reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[19])


def reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def alive(process):
    pid, start_time = process
    reap(pid)
    return started_at(pid) == start_time


def identity(pid):
    return [pid, started_at(pid)]


def listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def rainforest_local():
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return str(Path(target) / "debug" / "rainforest-local")


def responds(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


def running_state():
    if not STATE.exists():
        return None
    state = json.loads(STATE.read_text())
    processes = state.get("processes")
    if processes and all(alive(p) for p in processes) and responds(state["aws_endpoint"] + "/moto-api/"):
        return state
    return None


def wait_for(check, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise SystemExit(f"stack: {what} did not start within {seconds}s; see {LOCAL}/*.log")


def spawn(args, log, env=None):
    # A session of its own: stopping the stack stops the process group, not our caller.
    return subprocess.Popen(
        args, stdout=open(LOCAL / log, "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True, env=env,
    )


def opensearch_binary():
    import osmem_server

    return osmem_server.resolve_binary()


def cargo_run(*args, env):
    cargo = os.environ.get("CARGO", "cargo")
    command = [cargo, "run", "--quiet", "--package", "rainforest-local", "--", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def start(emulators_only=False, lambda_endpoint=None, keep_data=False):
    state = running_state()
    if state:
        print(f"stack: already running (AWS {state['aws_endpoint']}, OpenSearch {state['opensearch_url']})")
        return False
    stop()  # whatever a run that did not finish left behind
    LOCAL.mkdir(exist_ok=True)
    port = free_port()
    dynamodb_port = free_port()
    aws_endpoint = f"http://127.0.0.1:{port}"
    dynamodb_endpoint = f"http://127.0.0.1:{dynamodb_port}"
    # moto's Step Functions call DynamoDB (and Lambda) where the stack serves them.
    moto_env = {**os.environ, "RAINFOREST_DYNAMODB_ENDPOINT": dynamodb_endpoint}
    if lambda_endpoint:
        moto_env["RAINFOREST_LAMBDA_ENDPOINT"] = lambda_endpoint
    moto = spawn([sys.executable, str(ROOT / "infra" / "moto_server.py"), str(port)], "moto.log", env=moto_env)
    opensearch = spawn([opensearch_binary(), "-addr", "127.0.0.1:0", "-no-stdin-watch"], "opensearch.log")
    sweep = os.environ.get("RAINFOREST_TTL_SWEEP_SECONDS", "5")
    dynamodb_args = ["dynamodb", "--port", str(dynamodb_port), "--ttl-sweep-seconds", sweep]
    if keep_data:
        dynamodb_args += ["--db-path", str(LOCAL / "dynamodb.sqlite")]
    dynamodb = spawn([rainforest_local(), *dynamodb_args], "dynamodb.log")
    processes = [identity(p.pid) for p in (moto, opensearch, dynamodb)]
    state = {"processes": processes, "aws_endpoint": aws_endpoint}
    STATE.write_text(json.dumps(state))
    try:
        wait_for(lambda: responds(aws_endpoint + "/moto-api/"), "moto")
        wait_for(lambda: listening(dynamodb_port), "dynoxide")
        state["opensearch_url"] = wait_for(lambda: opensearch_url(LOCAL / "opensearch.log"), "osmem-server")
        STATE.write_text(json.dumps(state))
        environment = {**CREDENTIALS, "AWS_ENDPOINT_URL": aws_endpoint, "OPENSEARCH_URL": state["opensearch_url"],
                       "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
                       "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb_endpoint, "S3_FORCE_PATH_STYLE": "true"}
        if lambda_endpoint:
            # Where Step Functions' Lambda tasks go: a test process serves its functions there.
            environment["RAINFOREST_LAMBDA_ENDPOINT"] = lambda_endpoint
        lines = [f"{k}={v}" for k, v in environment.items()]
        if not emulators_only:
            functions_env = LOCAL / "functions.env"
            cargo_run("provision", "--template", str(ROOT / "template.yaml"), "--prefix", PREFIX,
                      "--env-out", str(functions_env), env={**os.environ, **environment})
            lines += functions_env.read_text().splitlines()
        ENV_FILE.write_text("\n".join(lines) + "\n")
    except BaseException:
        stop()
        raise
    print(f"stack: AWS emulator at {aws_endpoint}, DynamoDB at {dynamodb_endpoint}, "
          f"OpenSearch at {state['opensearch_url']}", flush=True)
    print(f"stack: environment in {ENV_FILE}", flush=True)
    return True


def opensearch_url(log):
    for line in log.read_text().splitlines() if log.exists() else []:
        if line.startswith("{") and '"url"' in line:
            return json.loads(line)["url"]
    return None


def signal_all(processes, signum):
    for pid, start_time in processes:
        if alive((pid, start_time)):
            try:
                # An emulator leads a session of its own, whose group holds its children too.
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signum)
                else:
                    os.kill(pid, signum)
            except OSError:
                pass


def wait_gone(processes, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in processes):
            return True
        time.sleep(0.1)
    return False


def stop():
    """Stops every process stack.json names and waits until they have exited: SIGTERM, then
    SIGKILL for any still there after STOP_SECONDS."""
    if not STATE.exists():
        return
    processes = json.loads(STATE.read_text()).get("processes", [])
    signal_all(processes, signal.SIGTERM)
    if not wait_gone(processes, STOP_SECONDS):
        signal_all(processes, signal.SIGKILL)
        if not wait_gone(processes, STOP_SECONDS):
            raise SystemExit(f"stack: could not stop {processes}; {STATE} kept")
    for path in (STATE, ENV_FILE):
        path.unlink(missing_ok=True)
    print("stack: stopped", flush=True)


def remember(pid):
    state = json.loads(STATE.read_text())
    state["processes"].append(identity(pid))
    STATE.write_text(json.dumps(state))


def up(command, keep_data=False):
    """infra/up's supervisor, at infra/up's own pid: a SIGINT or SIGTERM sent to it (by Ctrl-C
    or by kill) reaches the local system, which stops, then every emulator is stopped and waited
    for. A second signal kills the local system outright."""
    port = command[command.index("--port") + 1]
    stop()
    signals = []

    def forward(signum, _frame):
        signals.append(signum)
        if system is not None:
            system.send_signal(signal.SIGKILL if len(signals) > 1 else signal.SIGTERM)

    system = None
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Installed even when the shell that started us in the background ignores SIGINT.
        signal.signal(signum, forward)
    try:
        start(emulators_only=True, lambda_endpoint=f"http://127.0.0.1:{port}", keep_data=keep_data)
        if signals:
            return 130
        system = subprocess.Popen(command, env={**os.environ, **environment()}, stdin=subprocess.DEVNULL)
        remember(system.pid)
        return system.wait()
    finally:
        stop()


def environment():
    pairs = (line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return dict(pairs)


def run(command):
    started = start(lambda_endpoint=f"http://127.0.0.1:{free_port()}")
    try:
        return subprocess.run(command, env={**os.environ, **environment()}).returncode
    finally:
        if started:
            stop()


def main(argv):
    match argv:
        case ["start", *options]:
            endpoint = options[options.index("--lambda-endpoint") + 1] if "--lambda-endpoint" in options else None
            start(emulators_only="--emulators-only" in options, lambda_endpoint=endpoint)
        case ["stop"]:
            stop()
        case ["free-port"]:
            print(free_port())
        case ["env"]:
            if not running_state():
                raise SystemExit("stack: not running; start it with: python infra/stack.py start")
            sys.stdout.write(ENV_FILE.read_text())
        case ["run", "--", *command] if command:
            return run(command)
        case ["up", "--keep-data", "--", *command] if "--port" in command:
            return up(command, keep_data=True)
        case ["up", "--", *command] if "--port" in command:
            return up(command)
        case _:
            raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
