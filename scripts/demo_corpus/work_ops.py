"""Sessions on the infrastructure repo (infra): CI, Kubernetes, Docker, Terraform, TLS, nginx, alerting."""

from __future__ import annotations

from demo_corpus.outputs import OPS
from demo_corpus.recipes import at, fix_loop, retried
from demo_corpus.steps import Ask, Edit, Fetch, Plan, Project, Read, Say, Session, Shell, Write

INFRA = Project("infra", OPS, "acme/infra")


def ci_python_version() -> Session:
    log = """test	Set up Python	2026-10-15T08:11:32.4410Z ##[group]Run actions/setup-python@v5
test	Set up Python	2026-10-15T08:11:32.4412Z   python-version: 3.1
test	Set up Python	2026-10-15T08:11:33.0193Z Version 3.1 was not found in the local cache
test	Set up Python	2026-10-15T08:11:33.3025Z ##[error]The version '3.1' with architecture 'x64' was not found for \
Ubuntu 24.04."""
    workflow = """    strategy:
      matrix:
        python-version: [3.9, 3.10, 3.11]"""
    steps = [
        Shell(
            "gh run list --workflow ci.yml --limit 3",
            "completed\tfailure\tAdd 3.10 to the test matrix\tci\tmain\tpush\t8812\t41s\n"
            "completed\tsuccess\tBump ruff\tci\tmain\tpush\t8790\t3m02s",
            purpose="List recent CI runs",
        ),
        Shell("gh run view 8812 --log-failed", log, purpose="Show the failed job's log"),
        Read(".github/workflows/ci.yml", workflow, 14),
        Say(
            "YAML reads the unquoted `3.10` as the float 3.1, so setup-python looks for Python 3.1. Quoting the "
            "versions keeps them strings.",
            "Classic YAML float trap: 3.10 becomes 3.1.",
        ),
        Edit(
            ".github/workflows/ci.yml",
            "python-version: [3.9, 3.10, 3.11]",
            'python-version: ["3.9", "3.10", "3.11"]',
            16,
        ),
        Shell("actionlint .github/workflows/ci.yml", "", purpose="Lint the workflow"),
        Shell(
            'git commit -am "ci: quote Python versions" && git push',
            "[main 4c1d9e2] ci: quote Python versions\n 1 file changed, 1 insertion(+), 1 deletion(-)",
        ),
        Shell(
            "gh run watch --exit-status",
            "✓ main ci · 8821\n"
            "Triggered via push less than a minute ago\n"
            "\n"
            "JOBS\n"
            "✓ test (3.9) in 2m41s\n"
            "✓ test (3.10) in 2m38s\n"
            "✓ test (3.11) in 2m35s",
            purpose="Watch the new run",
        ),
        Say("CI is green again: the matrix versions are quoted, so 3.10 is no longer read as 3.1."),
    ]
    prompt = "CI broke right after I added Python 3.10 to the matrix. It says version 3.1 not found??"
    return Session("claude-code", INFRA, at(10, 15, 8, 20), prompt, steps)


def crashloop() -> Session:
    pods = """NAME                           READY   STATUS             RESTARTS      AGE
invoice-api-7c9f8d6b5-2xkqp    0/1     CrashLoopBackOff   6 (41s ago)   8m12s
invoice-api-7c9f8d6b5-9wz4m    0/1     CrashLoopBackOff   6 (38s ago)   8m12s
invoice-worker-5d8b7c9f-hj2lt  1/1     Running            0             2d3h"""
    logs = """Traceback (most recent call last):
  File "/app/invoice/settings.py", line 12, in <module>
    DATABASE_URL = os.environ["DATABASE_URL"]
KeyError: 'DATABASE_URL'"""
    deployment = """        envFrom:
          - secretRef:
              name: invoice-api-env
          - configMapRef:
              name: invoice-api-config"""
    steps = [
        Shell("kubectl -n billing get pods", pods, purpose="List billing pods"),
        Shell(
            "kubectl -n billing logs deploy/invoice-api --previous --tail=20",
            logs,
            purpose="Logs of the crashed container",
        ),
        Read("k8s/billing/invoice-api/deployment.yaml", deployment, 34),
        Shell(
            "kubectl -n billing get secrets",
            "NAME                  TYPE     DATA   AGE\n"
            "invoice-api-secrets   Opaque   4      2d3h\n"
            "registry-pull         kubernetes.io/dockerconfigjson   1   210d",
        ),
        Say(
            "The deployment reads its env from a secret named `invoice-api-env`, but the secret is called "
            "`invoice-api-secrets` (renamed in last week's Helm-to-Kustomize move). Without it there is no "
            "`DATABASE_URL` and the app exits at import."
        ),
        Edit(
            "k8s/billing/invoice-api/deployment.yaml",
            "              name: invoice-api-env",
            "              name: invoice-api-secrets",
            36,
        ),
        Shell("kubectl apply -k k8s/billing/", "deployment.apps/invoice-api configured\nservice/invoice-api unchanged"),
        *retried(
            "kubectl -n billing rollout status deploy/invoice-api --timeout=120s",
            'Waiting for deployment "invoice-api" rollout to finish: 1 out of 2 new replicas have been updated...\n'
            "error: timed out waiting for the condition",
            'deployment "invoice-api" successfully rolled out',
            "The new pods are pulling the image on a fresh node; the rollout is progressing, so I'll wait again.",
            purpose="Wait for the rollout",
        ),
        Say("invoice-api is running again: the deployment now references the renamed secret `invoice-api-secrets`."),
    ]
    prompt = "invoice-api in the billing namespace is in CrashLoopBackOff since the deploy. Fix it."
    return Session("claude-code", INFRA, at(10, 27, 17, 5), prompt, steps, branch="fix/invoice-api-secret")


def image_size() -> Session:
    dockerfile = """FROM python:3.12
WORKDIR /app
COPY . .
RUN pip install -r requirements.txt
CMD ["python", "-m", "worker"]"""
    multistage = """FROM python:3.12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.12-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY worker/ worker/
RUN python -c "import psycopg"
CMD ["python", "-m", "worker"]"""
    libpq = """ > [stage-1 5/5] RUN python -c "import psycopg":
0.412 ImportError: no pq wrapper available.
0.412 - couldn't import psycopg 'c' implementation: libpq.so.5: cannot open shared object file: No such file or \
directory
ERROR: failed to solve: process "/bin/sh -c python -c \\"import psycopg\\"" did not complete successfully: exit code: \
1"""
    build = "docker build -t worker:dev images/worker"
    steps = [
        Shell(
            "docker images worker --format '{{.Tag}} {{.Size}}'", "dev 1.91GB\n2026.10.1 1.89GB", purpose="Image sizes"
        ),
        Read("images/worker/Dockerfile", dockerfile),
        Say(
            "It builds on the full `python:3.12` image (1 GB of compilers and headers) and copies the whole repo. "
            "A two-stage build on `-slim` that only copies wheels and the worker package should be a fraction."
        ),
        Write("images/worker/Dockerfile", multistage),
        *fix_loop(
            build,
            libpq,
            "The runtime stage lacks the libpq shared library that psycopg's C implementation loads (the headers "
            "were only in the build stage).",
            [
                Edit(
                    "images/worker/Dockerfile",
                    "RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels",
                    "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf "
                    "/var/lib/apt/lists/*\n"
                    "RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels",
                    9,
                )
            ],
            " => exporting to image\n => => naming to docker.io/library/worker:dev",
            purpose="Build the image",
        ),
        Shell("docker images worker:dev --format '{{.Size}}'", "214MB"),
        Shell(
            "docker run --rm worker:dev python -m worker --self-test", "worker self-test: db driver ok, queue client ok"
        ),
        Say(
            "The worker image is 214 MB instead of 1.91 GB: a slim two-stage build with only wheels, the worker "
            "package and libpq5 at runtime. The self-test passes."
        ),
    ]
    prompt = "The worker image is almost 2 GB and deploys are slow. Slim it down."
    return Session("claude-code", INFRA, at(11, 7, 11, 30), prompt, steps)


def terraform_lock_and_drift() -> Session:
    lock = """╷
│ Error: Error acquiring the state lock
│
│ Error message: ConditionalCheckFailedException: The conditional request failed
│ Lock Info:
│   ID:        9b2f4c1e-77aa-4d0e-b1b2-0c5d8e9f1a23
│   Path:      acme-tfstate/prod/network.tfstate
│   Operation: OperationTypeApply
│   Who:       ci@runner-12
│   Created:   2026-10-24 07:58:03.112 +0000 UTC
╵"""
    drift = """  # aws_security_group.api has changed outside of Terraform
  ~ resource "aws_security_group" "api" {
      ~ ingress = [
          - {
              - cidr_blocks = ["0.0.0.0/0"]
              - from_port   = 22
              - to_port     = 22
            },
        ]
    }
Plan: 0 to add, 1 to change, 0 to destroy."""
    plan = "terraform -chdir=envs/prod plan -out=tfplan"
    steps = [
        *retried(
            plan,
            lock,
            drift,
            "A CI apply holds the state lock (started 07:58 by runner-12); it has finished by now, so planning again "
            "rather than force-unlocking.",
        ),
        Say(
            "The lock is gone and the plan shows drift: someone opened SSH (port 22) to 0.0.0.0/0 on the API "
            "security group by hand. Applying the plan removes that rule. Shall I apply?"
        ),
        Ask("Yes, apply it. Nobody should SSH to the API boxes."),
        Shell(
            "terraform -chdir=envs/prod apply tfplan",
            "aws_security_group.api: Modifying... [id=sg-0b41d2e9a7c3f5e10]\n"
            "aws_security_group.api: Modifications complete after 2s\n"
            "\n"
            "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.",
        ),
        Say("Applied: the hand-added SSH rule is gone and prod matches the code again."),
    ]
    prompt = "terraform plan for prod network fails with a lock error, and I suspect drift. Check and clean up."
    return Session("codex-cli", INFRA, at(10, 24, 8, 2), prompt, steps)


def cert_not_ready() -> Session:
    issuer = """  solvers:
    - dns01:
        route53:
          region: eu-central-1
          hostedZoneID: Z03477791LQ2V1TQ0HRA4"""
    steps = [
        Shell(
            "kubectl get certificate -A",
            "NAMESPACE   NAME       READY   SECRET     AGE\n"
            "shop        shop-tls   False   shop-tls   3d\n"
            "billing     api-tls    True    api-tls    210d",
        ),
        Shell(
            "kubectl -n shop describe challenge",
            "Status:\n"
            "  Presented:   true\n"
            "  Processing:  true\n"
            '  Reason:      Waiting for DNS-01 challenge propagation: DNS record for "shop.acme.dev" not yet '
            "propagated\n"
            "  State:       pending",
        ),
        Shell("dig +short TXT _acme-challenge.shop.acme.dev @1.1.1.1", "", purpose="Look the challenge record up"),
        Shell(
            "aws route53 list-hosted-zones-by-name --dns-name acme.dev --query 'HostedZones[].Id'",
            '[\n    "/hostedzone/Z08123452MW7PXK9L1B0E"\n]',
        ),
        Read("k8s/cert-manager/cluster-issuer.yaml", issuer, 9),
        Say(
            "cert-manager writes the challenge record into zone Z03477791…, which is the old acme.dev zone; the "
            "live zone is Z08123452…. The record never shows up publicly, so validation waits forever."
        ),
        Edit(
            "k8s/cert-manager/cluster-issuer.yaml",
            "hostedZoneID: Z03477791LQ2V1TQ0HRA4",
            "hostedZoneID: Z08123452MW7PXK9L1B0E",
            13,
        ),
        Shell(
            "kubectl apply -f k8s/cert-manager/cluster-issuer.yaml",
            "clusterissuer.cert-manager.io/letsencrypt-dns configured",
        ),
        *retried(
            "kubectl -n shop get certificate shop-tls",
            "NAME       READY   SECRET     AGE\nshop-tls   False   shop-tls   3d",
            "NAME       READY   SECRET     AGE\nshop-tls   True    shop-tls   3d",
            "DNS propagation takes a minute or two; checking again.",
            exit_code=0,
        ),
        Say("shop-tls is issued. The ClusterIssuer pointed at the retired Route53 zone; it now uses the live one."),
    ]
    prompt = "The shop.acme.dev certificate has been not ready for 3 days and expires Friday. Help."
    return Session("codex-cli", INFRA, at(11, 2, 15, 10), prompt, steps)


def nginx_502() -> Session:
    errors = """2026/11/08 13:02:41 [error] 1184#1184: *90211 upstream timed out (110: Connection timed out) while \
reading response header from upstream, client: 10.0.3.17, server: api.acme.dev, request: "POST /v1/exports HTTP/1.1", \
upstream: "http://10.0.8.21:8000/v1/exports"
2026/11/08 13:03:12 [error] 1184#1184: *90388 upstream timed out (110: Connection timed out) while reading response \
header from upstream, client: 10.0.3.22, server: api.acme.dev, request: "POST /v1/exports HTTP/1.1\""""
    location = """    location /v1/exports {
        proxy_pass http://api_upstream;
        proxy_read_timeout 60s;
    }"""
    steps = [
        Shell("ssh edge-1 'sudo tail -n 2 /var/log/nginx/error.log'", errors, purpose="Read nginx errors"),
        Read("nginx/sites/api.conf", location, 28),
        Say(
            "Only `POST /v1/exports` fails: large exports take longer than the 60 s `proxy_read_timeout`. "
            "Raising it for that location only, and keeping the default elsewhere."
        ),
        Edit(
            "nginx/sites/api.conf",
            "        proxy_read_timeout 60s;",
            "        proxy_read_timeout 300s\n        proxy_send_timeout 300s;",
            30,
        ),
        *fix_loop(
            "nginx -t -c nginx/nginx.conf -p nginx/",
            'nginx: [emerg] invalid number of arguments in "proxy_read_timeout" directive in '
            "nginx/sites/api.conf:30\n"
            "nginx: configuration file nginx/nginx.conf test failed",
            "Missing semicolon after `300s`.",
            [
                Edit(
                    "nginx/sites/api.conf",
                    "        proxy_read_timeout 300s\n",
                    "        proxy_read_timeout 300s;\n",
                    30,
                )
            ],
            "nginx: the configuration file nginx/nginx.conf syntax is ok\n"
            "nginx: configuration file nginx/nginx.conf test is successful",
            purpose="Test the configuration",
        ),
        Shell(
            "ansible-playbook playbooks/edge.yml --tags nginx --limit edge",
            "PLAY RECAP\n"
            "edge-1 : ok=6 changed=1 unreachable=0 failed=0\n"
            "edge-2 : ok=6 changed=1 unreachable=0 failed=0",
        ),
        Say(
            "Exports get 300 s now (other routes keep 60 s); the config passes `nginx -t` and is live on both edge "
            "nodes."
        ),
    ]
    prompt = "Customers get 502 on big exports. nginx in front of the API, logs are on edge-1."
    return Session("codex-cli", INFRA, at(11, 8, 13, 10), prompt, steps)


def noisy_alert() -> Session:
    rules = """  - alert: APIHighErrorRate
    expr: sum(rate(http_requests_total{job="api",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="api"}[1m])) > \
0.01
    labels:
      severity: page"""
    fixed = """  - alert: APIHighErrorRate
    expr: sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="api"}[5m])) > \
0.02
    for: 10m
    labels:
      severity: page"""
    plan = ("Read the rule", "Widen the window and add a for: clause", "Validate with promtool")
    steps = [
        Plan(plan),
        Read("monitoring/alerts/api.yml", rules, 12),
        Fetch(
            "https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/",
            "What does the for clause do in alerting rules?",
            "The optional `for` clause causes Prometheus to wait for a certain duration between first encountering a "
            "new expression output vector element and counting an alert as firing.",
        ),
        Say(
            "The rule pages on a single 1-minute window above 1%, so one burst of 5xx from a deploy pages someone. "
            "I'll use a 5-minute rate, a 2% threshold and `for: 10m`."
        ),
        Plan(plan, 1),
        Edit("monitoring/alerts/api.yml", rules, fixed.replace("    for: 10m\n", "  for: 10m\n"), 12),
        *fix_loop(
            "promtool check rules monitoring/alerts/api.yml",
            "Checking monitoring/alerts/api.yml\n"
            "  FAILED:\n"
            "monitoring/alerts/api.yml: yaml: line 14: did not find expected key",
            "`for:` is indented at the list level; it belongs with `expr`.",
            [Edit("monitoring/alerts/api.yml", "  for: 10m", "    for: 10m", 14)],
            "Checking monitoring/alerts/api.yml\n  SUCCESS: 4 rules found",
            purpose="Validate the rules",
        ),
        Plan(plan, 3),
        Say("APIHighErrorRate now needs a 2% error rate over 5 minutes, sustained for 10 minutes, before it pages."),
    ]
    prompt = "APIHighErrorRate pages us on every deploy. Make it less noisy without hiding real incidents."
    return Session("codex-cli", INFRA, at(11, 12, 16, 45), prompt, steps)


def sessions() -> list[Session]:
    return [
        ci_python_version(),
        crashloop(),
        image_size(),
        terraform_lock_and_drift(),
        cert_not_ready(),
        nginx_502(),
        noisy_alert(),
    ]
