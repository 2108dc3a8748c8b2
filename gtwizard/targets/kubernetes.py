"""Open WebUI on Kubernetes: a Secret with the key, and what points the workload at it.

gtwizard writes four files into the operator's folder (gtwizard.targets.kubernetes_manifests):
the Secret, values for the official Helm chart, and a kustomize Component patching a Deployment or
StatefulSet of the operator's own. With `--k8s-apply yes` and a working kubectl context it applies
the Secret itself (`kubectl apply -f`, the key never on argv) and restarts the workload; without,
it says what to run. Open WebUI is proven as the env-file target proves it: through its URL and an
admin credential (the proof channel), reading the connection it uses and chatting as a user.

The PersistentConfig trap: after Open WebUI's first start a changed Secret does nothing unless
ENABLE_PERSISTENT_CONFIG=False (`--k8s-disable-persistent-config yes` writes it into the values
and the patch). An Open WebUI that answers at the proof channel has started: without that
setting the change is refused before any key is minted, with both ways out.
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gtwizard.errors import InvalidInput, OperationFailed
from gtwizard.kinds import TargetKind
from gtwizard.targets import kubernetes_manifests as km

if TYPE_CHECKING:
    from gtwizard.nextsteps import NextStep
    from gtwizard.openwebui.envfile import GtConnection
    from gtwizard.profiles import Profile
    from gtwizard.setup.keys import KeyChoice
    from gtwizard.targets.base import ProofRequest
    from gtwizard.targets.registry import Where

PRODUCT = "Open WebUI"
YES = ("yes", "true", "1", "on")
NO = ("", "no", "false", "0", "off")
KUBECTL_TIMEOUT = 60.0
# a DNS-1123 label (namespaces, container names) and subdomain (Secrets, workloads)
LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
PERSISTENT_HINT = (
    "add --k8s-disable-persistent-config yes (Open WebUI then takes its connection from the "
    "Secret at every start; settings changed in its admin UI are lost at restart), or configure "
    "it through its admin API instead (--openwebui-url URL, without --target)"
)


def flag(value: str, name: str) -> bool:
    """A yes/no setting (settings are strings: "yes" on, "" or "no" off)."""
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(
        f"{name} takes yes or no, not {value!r}", f"give {name} yes (or leave it out)"
    )


def parse_workload(text: str) -> tuple[str, str]:
    """`statefulset/open-webui` -> ("StatefulSet", "open-webui"); another kind is refused."""
    kind, _, name = text.strip().partition("/")
    known = km.KINDS.get(kind.lower())
    if known is None or not SUBDOMAIN.match(name):
        raise InvalidInput(
            f"--k8s-workload {text!r} is not statefulset/NAME or deployment/NAME",
            "Open WebUI runs as a StatefulSet (the chart's default) or a Deployment: name it so",
        )
    return known, name


def _check_name(value: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.match(value):
        raise InvalidInput(
            f"{what} {value!r} is not a Kubernetes name",
            "use lower-case letters, digits and '-' (starting and ending with a letter or digit)",
        )
    return value


@dataclass(frozen=True)
class K8sPlan:
    """The files to write (old and new bytes); nothing is written until `apply`."""

    folder: Path
    files: dict[str, tuple[bytes | None, bytes]] = field(repr=False)  # name: (old, new)
    diff: str  # secrets masked

    @property
    def changed(self) -> bool:
        return any(old != new for old, new in self.files.values())


@dataclass(frozen=True)
class K8sApplied:
    written: tuple[str, ...]
    backups: tuple[str, ...]
    applied: tuple[str, ...]  # the kubectl commands run (no secret in them)


@dataclass(frozen=True)
class KubernetesTarget:
    """Open WebUI in a Kubernetes cluster, configured through manifests in the operator's folder."""

    folder: Path
    namespace: str = "default"
    secret: str = "open-webui-gt"
    workload: str = "statefulset/open-webui"
    container: str = "open-webui"
    apply_now: bool = False
    disable_persistent_config: bool = False
    admin_url: str | None = None  # the proof channel: Open WebUI's URL
    admin_token: str | None = field(default=None, repr=False)
    allow_http: bool = False

    kind = TargetKind.KUBERNETES
    product = PRODUCT

    def __post_init__(self) -> None:
        parse_workload(self.workload)
        _check_name(self.namespace, LABEL, "--k8s-namespace")
        _check_name(self.secret, SUBDOMAIN, "--k8s-secret")
        _check_name(self.container, LABEL, "--k8s-container")

    # --- what it is ---------------------------------------------------------------------------

    @property
    def place(self) -> str:
        return str(self.folder)

    @property
    def reads_at_start(self) -> bool:
        return True

    @property
    def applies(self) -> bool:
        return True

    @property
    def proof_url(self) -> str | None:
        return self.admin_url

    @property
    def credential(self) -> str | None:
        return self.admin_token

    @property
    def can_prove(self) -> bool:
        return bool(self.admin_url and self.admin_token)

    @property
    def action(self) -> str:
        applied = (
            ", then kubectl apply the Secret and restart the workload" if self.apply_now else ""
        )
        return f"write the Secret, Helm values and a kustomize patch into {self.folder}{applied}"

    def settings(self) -> dict[str, str]:
        return {
            "dir": str(self.folder),
            "namespace": self.namespace,
            "secret": self.secret,
            "workload": self.workload,
            "container": self.container,
            "apply": "yes" if self.apply_now else "",
            "disable_persistent_config": "yes" if self.disable_persistent_config else "",
        }

    def manifests(self, connection: GtConnection) -> km.Manifests:
        kind, name = parse_workload(self.workload)
        return km.Manifests(
            namespace=self.namespace,
            secret=self.secret,
            kind=kind,
            workload=name,
            container=self.container,
            openai_base=connection.openai_base,
            model_ids=tuple(connection.model_ids),
            disable_persistent_config=self.disable_persistent_config,
        )

    # --- before a key exists ----------------------------------------------------------------

    def _check_folder(self) -> Path:
        """The folder's parent exists, the folder is one, and every file there is gtwizard's."""
        from gtwizard.fileio import real_path

        real = real_path(self.folder)
        if not real.parent.is_dir():
            raise InvalidInput(
                f"the folder {real.parent} for --k8s-dir {self.folder} does not exist",
                "create it first, or give a folder inside your GitOps repository",
            )
        if real.exists() and not real.is_dir():
            raise InvalidInput(f"--k8s-dir {self.folder} is not a folder", "give a folder")
        for name in km.FILES:
            path = real / name
            if path.exists() and not path.read_bytes().startswith(km.MARK.encode()):
                raise InvalidInput(
                    f"{path} exists and was not written by gtwizard",
                    "give --k8s-dir a folder of gtwizard's own (it writes "
                    f"{', '.join(km.FILES)} there)",
                )
        return real

    async def preflight(
        self, *, ca_bundle: str | None, gt_base: str, names: tuple[str, ...], profile: str
    ) -> list[str]:
        from gtwizard.openwebui.persistent import check_admin_url, not_known_note
        from gtwizard.openwebui.url import check_openwebui_url
        from gtwizard.proofchannel import verify_credential
        from gtwizard.proofcommand import check_line

        self._check_folder()
        if self.apply_now:
            self._check_kubectl()
        notes: list[str] = []
        answered = None
        if self.admin_url:
            warning = check_openwebui_url(self.admin_url, allow_http=self.allow_http).warning
            notes += [warning] if warning else []
            answered = await check_admin_url(self.admin_url, ca_bundle=ca_bundle)
        if answered is not None and not self.disable_persistent_config:
            raise OperationFailed(
                f"{answered.message.replace('the env file', 'the Secret')} ({answered.evidence})",
                PERSISTENT_HINT,
            )
        if answered is not None and self.admin_url and self.admin_token:
            await verify_credential(
                self.admin_url, self.admin_token, ca_bundle=ca_bundle, allow_http=self.allow_http
            )
        if answered is None and not self.disable_persistent_config:
            line = check_line(profile, url_known=bool(self.admin_url))
            notes.append(not_known_note(line, self.admin_url).replace("env file", "Secret"))
        return notes

    def check_edit(self, choice: KeyChoice, openai_base: str) -> None:
        """Plan every file with a placeholder key: every refusal happens here, before a mint."""
        from gtwizard.fileio import check_replaceable
        from gtwizard.openwebui.envfile import validate_connection
        from gtwizard.targets.openwebui import PLACEHOLDER_KEY, connection_for

        real = self._check_folder()
        self.plan(validate_connection(connection_for(choice, openai_base, PLACEHOLDER_KEY)), choice)
        if real.is_dir():
            for name in km.FILES:
                check_replaceable(real / name)

    async def ready(
        self, choice: KeyChoice, openai_base: str, *, ca_bundle: str | None, profile: Profile
    ) -> str:
        from gtwizard.openwebui.persistent import check_admin_url

        self.check_edit(choice, openai_base)
        if self.apply_now:
            self._check_kubectl()
        if self.admin_url and not self.disable_persistent_config:
            started = await check_admin_url(self.admin_url, ca_bundle=ca_bundle)
            if started is not None:
                raise OperationFailed(
                    "a new Secret would not take effect: Open WebUI has started and keeps its "
                    f"connection in its database ({started.evidence})",
                    PERSISTENT_HINT,
                )
        return f"manifests in {self.folder} writable"

    # --- the change ---------------------------------------------------------------------------

    def plan(self, connection: GtConnection, choice: KeyChoice | None) -> K8sPlan:
        from gtwizard.openwebui.envfile import validate_connection

        connection = validate_connection(connection)
        new = km.render(self.manifests(connection), connection.api_key)
        files: dict[str, tuple[bytes | None, bytes]] = {}
        diffs: list[str] = []
        for name, data in new.items():
            path = self.folder / name
            old = path.read_bytes() if path.is_file() else None
            files[name] = (old, data)
            if old == data:
                continue
            before = (old or b"").decode(errors="replace")
            old_key = km.key_in_secret(before, self.secret) if name == km.SECRET_FILE else None
            if old_key:
                before = km.masked(before, old_key)
            after = km.masked(data.decode(), connection.api_key)
            diffs.extend(
                difflib.unified_diff(
                    before.splitlines(keepends=True),
                    after.splitlines(keepends=True),
                    fromfile=f"{path} (now)" if old is not None else "/dev/null",
                    tofile=str(path),
                )
            )
        return K8sPlan(self.folder, files, "".join(diffs))

    async def apply(
        self, connection: GtConnection, *, ca_bundle: str | None, plan: K8sPlan | None
    ) -> K8sApplied:
        from gtwizard.fileio import atomic_write

        plan = plan or self.plan(connection, None)
        folder = self._check_folder()
        folder.mkdir(mode=0o755, exist_ok=True)
        written: list[str] = []
        backups: list[str] = []
        for name, (old, new) in plan.files.items():
            path = folder / name
            now = path.read_bytes() if path.is_file() else None
            if now != old:
                raise OperationFailed(
                    f"{path} changed since the plan was made", "plan again and review the new diff"
                )
            if old == new:
                continue
            mode = 0o600 if name == km.SECRET_FILE else 0o644
            saved = atomic_write(path, new, mode=mode, backup=old is not None)
            written.append(str(path))
            if saved is not None:
                backups.append(str(saved))
        applied: tuple[str, ...] = ()
        if self.apply_now:  # kubectl apply is idempotent: a re-run applies what is written
            applied = self._kubectl_apply(folder / km.SECRET_FILE)
        return K8sApplied(tuple(written), tuple(backups), applied)

    def describe(self, applied: K8sApplied) -> tuple[str, bool]:
        if not applied.written and not applied.applied:
            return f"{self.folder} already has this configuration", False
        said = f"wrote {', '.join(applied.written)}" if applied.written else "files unchanged"
        if applied.backups:
            said += " (previous versions kept as .bak)"
        if applied.applied:
            said += "; ran " + "; ".join(applied.applied)
        return said, True

    def review(self, plan: K8sPlan) -> tuple[str, dict[str, object]]:
        return plan.diff or f"{self.folder}: already up to date", {"diff": plan.diff}

    def summary(self, plan: K8sPlan | None, applied: K8sApplied | None) -> dict[str, object]:
        if plan is None:
            return {}
        return {
            "changed": bool(applied.written) if applied is not None else plan.changed,
            "files": [str(self.folder / name) for name in km.FILES],
            "backups": list(applied.backups) if applied is not None else [],
            "kubectl": list(applied.applied) if applied is not None else [],
            "namespace": self.namespace,
            "secret": self.secret,
            "workload": self.workload,
        }

    # --- reading back, proving ------------------------------------------------------------

    async def read_key(self, openai_base: str, *, ca_bundle: str | None) -> str | None:
        path = self.folder / km.SECRET_FILE
        if not path.is_file():
            return None
        return km.key_in_secret(path.read_text(errors="replace"), self.secret)

    async def holds(self, secret: str, openai_base: str, *, ca_bundle: str | None) -> bool | None:
        from gtwizard.targets.openwebui_proof import uses_key

        if not self.can_prove:
            return None
        return await uses_key(
            self.admin_url or "",
            self.admin_token or "",
            secret,
            openai_base,
            ca_bundle=ca_bundle,
            allow_http=self.allow_http,
        )

    async def prove(self, request: ProofRequest) -> str:
        from gtwizard.targets.openwebui_proof import prove_in_openwebui

        return await prove_in_openwebui(
            self,
            self.admin_url,
            self.admin_token,
            request,
            embeddings=False,
            allow_http=self.allow_http,
        )

    def restart_step(self, profile: Profile) -> NextStep | None:
        from gtwizard.nextsteps import NextStep

        ns, workload = self.namespace, self.workload
        secret_file = self.folder / km.SECRET_FILE
        rollout = (
            f"kubectl -n {ns} rollout restart {workload}",
            f"kubectl -n {ns} rollout status {workload}",
        )
        if self.apply_now:
            commands: tuple[str, ...] = (f"kubectl -n {ns} rollout status {workload}",)
            detail = (
                f"gtwizard applied the Secret {self.secret} and restarted {workload}; wait until "
                "the new pods are ready."
            )
        else:
            commands = (f"kubectl apply -f {secret_file}", *rollout)
            detail = (
                f"Apply the Secret (or commit {self.folder} for your GitOps tool), then restart "
                f"{workload}: pods read a Secret's value only when they start. The first time, "
                f"point the workload at the Secret: helm upgrade RELEASE open-webui/open-webui "
                f"-n {ns} --reuse-values -f {self.folder / km.VALUES_FILE}, or list "
                f"{self.folder} under components: of your kustomization and kubectl apply -k it."
            )
        return NextStep(
            f"Roll out Open WebUI in namespace {ns} so it reads the Secret {self.secret}",
            detail,
            commands,
            self._persistent_note(profile),
        )

    def _persistent_note(self, profile: Profile) -> str:
        from gtwizard.proofcommand import profile_proof_command

        if self.disable_persistent_config:
            return (
                "ENABLE_PERSISTENT_CONFIG=False is set in the values and the patch, so Open WebUI "
                "takes its connection from the Secret at every start."
            )
        check = profile_proof_command(profile, f"gtwizard check --profile {profile.name}")
        return (
            "If Open WebUI started before without ENABLE_PERSISTENT_CONFIG=False, its database "
            "keeps the old connection and ignores the Secret. After the rollout, this reads the "
            f"connection Open WebUI uses and says whether that happened: {check}"
        )

    def record_in(self, profile: Profile) -> None:
        profile.target_settings = self.settings()
        if self.admin_url:
            profile.openwebui_url = self.admin_url
        if self.allow_http:
            profile.allow_http_openwebui = True

    def access_notes(self, choice: KeyChoice) -> list[str]:
        from gtwizard.nextsteps import GRANT_PATH

        names = ", ".join(choice.names)
        return [
            f"ordinary Open WebUI users see none of {names} until access is granted: {GRANT_PATH}"
        ]

    # --- kubectl ------------------------------------------------------------------------------

    def _kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl with `args` (file paths and names only: never a secret on its argv)."""
        exe = shutil.which("kubectl")
        if exe is None:
            raise InvalidInput(
                "--k8s-apply needs kubectl, and none is on PATH",
                "install kubectl, or leave --k8s-apply out: gtwizard then writes the files and "
                "says what to run",
            )
        try:
            return subprocess.run(
                [exe, *args],
                capture_output=True,
                text=True,
                timeout=KUBECTL_TIMEOUT,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise OperationFailed(
                f"kubectl {args[0]} gave no answer within {KUBECTL_TIMEOUT:.0f} s",
                "check that the cluster answers (kubectl cluster-info)",
            ) from None

    def _check_kubectl(self) -> None:
        """A current context that may create Secrets in the namespace (asked of the cluster)."""
        context = self._kubectl("config", "current-context")
        if context.returncode != 0:
            raise InvalidInput(
                "--k8s-apply needs a working kubectl context, and kubectl has none",
                "select one (kubectl config use-context NAME), or leave --k8s-apply out: "
                "gtwizard then writes the files and says what to run",
            )
        can = self._kubectl("auth", "can-i", "create", "secrets", "--namespace", self.namespace)
        if can.stdout.strip() != "yes":
            why = _last_line(can.stderr) or can.stdout.strip() or "no"
            raise OperationFailed(
                f"kubectl context {context.stdout.strip()} cannot create Secrets in namespace "
                f"{self.namespace} ({why})",
                "fix the context or its permissions, or leave --k8s-apply out",
            )

    def _kubectl_apply(self, secret_file: Path) -> tuple[str, ...]:
        """Apply the Secret from its file, then restart the workload if it exists."""
        ns = self.namespace
        commands = [("apply", "--namespace", ns, "-f", str(secret_file))]
        if self._kubectl("get", "--namespace", ns, self.workload).returncode == 0:
            commands.append(("rollout", "restart", "--namespace", ns, self.workload))
        ran: list[str] = []
        for args in commands:
            done = self._kubectl(*args)
            if done.returncode != 0:
                raise OperationFailed(
                    f"kubectl {' '.join(args)} failed: {_last_line(done.stderr)}",
                    f"the files in {self.folder} are written; run the command yourself",
                )
            ran.append("kubectl " + " ".join(args))
        return tuple(ran)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def build(where: Where) -> KubernetesTarget:
    """The target a profile's settings (or the operator's flags) describe."""
    s = where.settings
    folder = s.get("dir") or where.place
    if not folder:
        raise InvalidInput(
            "--target kubernetes needs --k8s-dir (the folder for the manifests)",
            "give --k8s-dir PATH",
        )
    return KubernetesTarget(
        folder=Path(folder),
        namespace=s.get("namespace") or "default",
        secret=s.get("secret") or "open-webui-gt",
        workload=s.get("workload") or "statefulset/open-webui",
        container=s.get("container") or "open-webui",
        apply_now=flag(s.get("apply", ""), "--k8s-apply"),
        disable_persistent_config=flag(
            s.get("disable_persistent_config", ""), "--k8s-disable-persistent-config"
        ),
        admin_url=where.proof_url,
        admin_token=where.credential,
        allow_http=where.allow_http,
    )
