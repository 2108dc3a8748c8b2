"""`gtwizard setup`: the wizard's steps without the TUI, for scripts and automation.

Secrets never come from argv: the GT key from stdin (`--key-stdin`), the operator token for
minting from GTWIZARD_OPERATOR_TOKEN, the Open WebUI admin credential from GTWIZARD_OPENWEBUI_TOKEN.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from gtwizard.commands import COMMANDS, days, print_json
from gtwizard.gt.contract import EXPIRES_DAYS_MAX
from gtwizard.kinds import TargetKind

if TYPE_CHECKING:
    from gtwizard.errors import GtwizardError
    from gtwizard.setup.session import SetupSession


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "setup",
        help=COMMANDS["setup"],
        description="Mint (or take from stdin) a scoped GT key, store it, and apply it to Open "
        "WebUI's env file or admin API. Secrets come from stdin or the environment, never argv.",
    )
    p.add_argument("--preset", metavar="SLUG", help="product preset, e.g. open-webui (required)")
    p.add_argument("--host", help="tenant host, e.g. tenant.example.com (required)")
    p.add_argument("--profile", default="default", help="profile name (default: default)")
    p.add_argument("--key-preset", metavar="SLUG", help="key preset (default: the product's)")
    p.add_argument("--aliases", metavar="A,B", default="", help="published names to allow")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--mint", action="store_true", help="mint with GTWIZARD_OPERATOR_TOKEN")
    how.add_argument("--key-stdin", action="store_true", help="read an existing gtak_ key on stdin")
    p.add_argument(
        "--key-name",
        metavar="NAME",
        help="with --key-stdin: the name you gave the key at /gt-api (recorded, and used to name "
        "it in every message; without it, the key is named by its prefix)",
    )
    how.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted setup of --profile whose key reached the target",
    )
    how.add_argument(
        "--abort",
        action="store_true",
        help="undo an interrupted setup of --profile (its key revoked, its stored copy deleted)",
    )
    p.add_argument(
        "--allow-http-openwebui",
        action="store_true",
        help="accept plain http to an Open WebUI that is not on loopback (the admin credential "
        "and the key then cross the network in clear)",
    )
    p.add_argument(
        "--accept-wider-key",
        action="store_true",
        help="keep a pasted key that can do more than chosen (recorded as measured)",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="the profile exists: set up a new key and retire the old one once the new one is "
        "verified (like a rotation)",
    )
    p.add_argument("--embeddings", action="store_true", help="route embeddings through GT too")
    p.add_argument("--embedding-model", metavar="NAME", help="allowlisted embedding model")
    p.add_argument("--env-file", metavar="PATH", help="Open WebUI env file to create or update")
    p.add_argument(
        "--env-dialect",
        choices=("docker", "compose", "systemd"),
        default="docker",
        help="who reads the env file (values are written so all three agree)",
    )
    p.add_argument(
        "--openwebui-url",
        metavar="URL",
        help="Open WebUI to configure via its admin API (with --env-file: the same as --prove-url)",
    )
    p.add_argument(
        "--prove-url",
        metavar="URL",
        help="with --env-file: Open WebUI's URL, through which check and rotate prove the key as "
        "an ordinary user and read the connection Open WebUI really uses (its admin credential "
        "from GTWIZARD_OPENWEBUI_TOKEN; kept only with --keep-admin-token)",
    )
    p.add_argument(
        "--openwebui-data-dir", metavar="DIR", help="Open WebUI's DATA_DIR (env-file path)"
    )
    p.add_argument(
        "--disable-persistent-config",
        action="store_true",
        help="set ENABLE_PERSISTENT_CONFIG=false so the env file wins over Open WebUI's database",
    )
    p.add_argument(
        "--audience", default="all", help="who may use the models: all | group:A,B | none"
    )
    p.add_argument("--storage", choices=("keyring", "file", "none"), help="where the key is kept")
    p.add_argument("--ca-bundle", metavar="FILE", help="PEM with extra CA certificates to trust")
    p.add_argument(
        "--expires-days",
        type=days,
        metavar="N",
        help=f"key expiry in days (1 to {EXPIRES_DAYS_MAX})",
    )
    p.add_argument(
        "--keep-operator-token",
        action="store_true",
        help="store the operator token beside the key, so rotate can mint without it in the env",
    )
    p.add_argument(
        "--keep-admin-token",
        action="store_true",
        help="store the Open WebUI admin credential beside the key, for check and rotate",
    )
    p.add_argument(
        "--snippet",
        metavar="FILE",
        help="other products: write the generated configuration snippet here (else print it)",
    )
    p.add_argument(
        "--snippet-with-key",
        action="store_true",
        help="put the key itself into the --snippet file (mode 0600) instead of a reference",
    )
    from gtwizard.commands.setup_request import add_target_arguments

    add_target_arguments(p)
    p.add_argument(
        "--dry-run", action="store_true", help="show what would change; mint and write nothing"
    )
    p.add_argument("--yes", action="store_true", help="do not ask before writing")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_run(args))


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.json:
        print(text, flush=True)


def _stored_in(session: SetupSession) -> str:
    """Where the key went (the session decides storage before minting; say so if it did not)."""
    return session.storage.location if session.storage is not None else "no store"


async def _recover(args: argparse.Namespace) -> int:
    """`--resume` / `--abort` of an interrupted setup (the journal names what to do)."""
    from gtwizard.commands.confirm import ask_on_terminal, can_ask
    from gtwizard.commands.setup_request import env_credential
    from gtwizard.errors import GtwizardError
    from gtwizard.lifecycle.journal import open_journal
    from gtwizard.profiles import validate_profile_name
    from gtwizard.setup.recover import abort_setup, resume_setup

    profile = validate_profile_name(args.profile)
    journal = open_journal(profile)
    draft = (journal.draft or {}) if journal is not None else {}
    host = args.host or (journal.tenant_host if journal else None) or draft.get("tenant_host")
    owui = draft.get("target_place") if draft.get("target_kind") == TargetKind.ADMIN_API else None
    operator_token, _ = env_credential("operator", host)
    owui_token, _ = env_credential("openwebui", owui or draft.get("openwebui_url"))
    try:
        if args.resume:
            result = await resume_setup(
                profile,
                operator_token=operator_token,
                owui_token=owui_token,
                say=lambda text: _say(args, text),
            )
        else:
            result = await abort_setup(
                profile,
                host_text=args.host,
                operator_token=operator_token,
                owui_token=owui_token,
                say=lambda text: _say(args, text),
                ask=ask_on_terminal if can_ask(args) else None,
            )
    except GtwizardError as exc:
        _recovery_failed(args, profile, exc)
        raise
    if args.json:
        print_json(result)
    else:
        _say(args, f"setup of '{profile}': {result.get('state')}")
        for line in result.get("remaining") or []:
            _say(args, f"  still to do: {line}")
    return 0


def _recovery_failed(args: argparse.Namespace, profile: str, exc: GtwizardError) -> None:
    """A `--resume`/`--abort` that failed with the journal still open: its --json object says
    the steps as the journal has them and the commands that resolve it (`remaining`), like a
    setup that failed; cli.py then prints the one line on stderr."""
    from gtwizard.lifecycle.journal import open_journal, step_states

    journal = open_journal(profile)
    if not args.json or journal is None:
        return
    print_json(
        {
            "ok": False,
            "error": " ".join(exc.message.split()),
            "hint": " ".join(exc.hint.split()),
            "profile": profile,
            "steps": step_states(journal),
            "remaining": journal.next_commands(),
        }
    )


def _require_setup_args(args: argparse.Namespace) -> None:
    from gtwizard.errors import InvalidInput

    missing = [flag for flag in ("preset", "host") if not getattr(args, flag)]
    if missing:
        raise InvalidInput(
            f"setup needs --{missing[0]}", "see gtwizard setup --help for the required flags"
        )
    if not (args.mint or args.key_stdin):
        raise InvalidInput(
            "setup needs --mint or --key-stdin",
            "--mint mints with GTWIZARD_OPERATOR_TOKEN; --key-stdin reads a key made at /gt-api",
        )
    if args.key_name is not None and not args.key_stdin:
        raise InvalidInput(
            "--key-name goes with --key-stdin",
            "it names the key you made at /gt-api and paste on stdin",
        )
    if args.key_name is not None:
        from gtwizard.setup.keys import check_key_name

        args.key_name = check_key_name(args.key_name)


async def _run(args: argparse.Namespace) -> int:
    from gtwizard.commands.confirm import ask_on_terminal, require_confirmation
    from gtwizard.commands.setup_request import build_request, env_credential
    from gtwizard.errors import InvalidInput, OperationFailed
    from gtwizard.setup.session import SetupSession

    if args.resume or args.abort:
        return await _recover(args)
    _require_setup_args(args)
    request = build_request(args)
    operator_token, withheld = env_credential("operator", args.host)
    if args.mint and withheld and not args.dry_run:
        raise InvalidInput(f"--mint: {withheld}", "run with the operator token of this tenant")
    if args.mint and not operator_token and not args.dry_run:
        raise InvalidInput(
            "--mint needs the operator token",
            "export GTWIZARD_OPERATOR_TOKEN, or make the key at the tenant's /gt-api page and "
            "pass it with --key-stdin",
        )
    if not args.dry_run:
        require_confirmation(args, f"set up profile {request.profile!r}")
    pasted = None
    if args.key_stdin:
        from gtwizard.setup.keys import read_key_stdin

        pasted = read_key_stdin()
    session = SetupSession(request)
    await session.preflight()
    if session.storage is not None:
        _say(args, f"storage: {session.storage.kind} ({session.storage.location})")
    choice = await session.resolve_names(operator_token if args.mint else None)
    _say(
        args,
        f"key: preset {choice.preset.slug}, scopes {', '.join(choice.scopes)}, "
        f"names {', '.join(choice.names)}",
    )
    if args.dry_run:
        # the real run's preflight, so whatever would refuse it refuses here too: the storage
        # (probed, and a canary entry written and deleted), the profile, the target file
        await session.decide_storage()
        await session.check_before_key()
        session.release()
        if pasted is not None:
            session._secret = __import__("gtwizard.setup.keys", fromlist=["x"]).check_key_form(
                pasted
            )
            await session.verify()
            await session.choose_base()
            _snippet(args, session, write=False)
        _preview(args, session)
        _say(args, "dry run: no key minted, nothing stored or written")
        _emit(args, session, ["run the same command without --dry-run"])
        return 0
    if not args.yes:  # a terminal (require_confirmation refused the rest): ask before any key
        for line in _plan_lines(session, mint=args.mint):
            _say(args, line)
        try:
            go_ahead = await ask_on_terminal("Go ahead?")
        except InvalidInput:  # end of input (Ctrl-D) is a no
            go_ahead = False
        if not go_ahead:
            raise OperationFailed("cancelled; nothing was minted, stored or written")
    if args.mint:
        assert operator_token is not None
        session.use_operator_token(operator_token)
    else:
        session.use_pasted(pasted or "", args.key_name)

    def said(step: str, status: str, detail: str) -> None:
        if status != "done":
            return
        if step == "key" and args.mint:
            _say(args, f"minted key {session.key_id}; stored in {_stored_in(session)}")
        elif step == "key":
            _say(args, f"key {session.key_label} verified; stored in {_stored_in(session)}")
        elif step == "base" and session.base is not None:
            _say(args, f"base: {session.base.openai_base}\n  why: {session.base.reason}")

    try:
        # the one order (SetupSession.steps): the key, verified, its base, then the plan
        await session.advance(until="base", on_step=said)
        _snippet(args, session, write=True)
        if request.target is not None:
            text, _fields = request.target.review(session.make_plan())
            if request.target.reads_at_start:  # a file: its diff before it is written
                _say(args, text)
        profile = await session.finish(
            on_step=lambda step, status: _progress(args, request, step, status),
            say=lambda text: _say(args, text),
        )
    except BaseException as exc:
        if session.journal is not None and session.journal.open and not session.retire:
            notes = await session.rollback()
            return _after_failure(args, exc, notes, session)
        raise
    retire = session.retire
    old = session.journal.old_key if session.journal is not None else ""
    session.release()
    for warning in session.warnings:
        _say(args, f"warning: {warning}")
    if retire is not None and retire.get("state") == "waiting":
        _say(args, f"the old key {old} stays valid for now; still to do:")
        for line in retire.get("remaining") or []:
            _say(args, f"  - {line}")
    elif retire is not None:
        _say(args, f"the old key {old} was revoked after the new one worked")
    from gtwizard.nextsteps import format_next_steps, next_steps, remaining_after_setup

    _say(args, f"profile '{profile.name}' saved. Still to do, in order:")
    target = request.target
    _say(args, format_next_steps(next_steps(profile, target)))
    waiting = list(retire.get("remaining") or []) if retire is not None else []
    _emit(args, session, [*waiting, *remaining_after_setup(profile, target)], retire)
    return 0


def _plan_lines(session, *, mint: bool) -> list[str]:
    """What a setup is about to do, in the operator's words: said before the question."""

    request, choice = session.request, session.choice
    names = ", ".join(choice.names) if choice else ""
    first = (
        f"mint a key on {request.host.netloc} (preset {request.key_preset.slug}, names {names})"
        if mint
        else f"check the pasted key against {request.host.netloc}"
    )
    storage = session.storage
    lines = [
        f"About to set up profile {request.profile!r}:",
        f"  1. {first}",
        f"  2. store it: {storage.kind} ({storage.location})"
        if storage
        else f"  2. store it ({request.storage or 'the OS keyring'})",
    ]
    target = request.target
    if target is not None:
        lines.append(f"  3. {target.action}")
        if target.proof_url and target.proof_url != target.place:
            kept = " (its admin credential kept beside the key)" if request.keep_admin_token else ""
            lines.append(f"     proof channel: {target.product} at {target.proof_url}{kept}")
    else:
        lines.append(f"  3. give the settings for {request.product.name} (snippet)")
    if request.replace:
        lines.append("  then retire the profile's old key, once the new one is proven")
    return lines


def _preview(args: argparse.Namespace, session) -> None:
    """The dry run's picture of the real run: the plan, the base, the target's diff or payload
    (key masked), and the checks that would run. With --mint there is no key yet, so the base is
    the form most tenants need (…/v1) and the key a placeholder."""
    from gtwizard.baseform import BaseChoice
    from gtwizard.checks.registry import checks_for
    from gtwizard.profiles import OPENWEBUI_PRESET
    from gtwizard.redact import mask
    from gtwizard.targets.openwebui import PLACEHOLDER_KEY

    request = session.request
    for line in _plan_lines(session, mint=args.mint):
        _say(args, line)
    if session.base is None:
        session.base = BaseChoice(
            request.host.openai_base_v1,
            "v1",
            "not probed yet: the real run probes both forms with the new key and picks the one "
            "that answers",
            (),
        )
        session._secret = PLACEHOLDER_KEY
    _say(args, f"base: {session.base.openai_base} ({session.base.reason})")
    preview: dict = {"base": session.base.openai_base}
    if request.target is not None:
        text, fields = request.target.review(session.make_plan())
        placeholder = (mask(PLACEHOLDER_KEY), "gtak_…(the new key)")
        if text:
            _say(args, text.replace(*placeholder))
        for name, value in fields.items():
            preview[name] = value.replace(*placeholder) if isinstance(value, str) else value
    if session._secret == PLACEHOLDER_KEY:
        session._secret = None
        session.base = None
    kind = str(request.target.kind) if request.target is not None else "none"
    openwebui = request.product.slug == OPENWEBUI_PRESET
    checks = [check.id for check in checks_for(kind, openwebui=openwebui)]
    _say(args, "checks that would run: " + ", ".join(checks))
    preview["checks"] = checks
    session.preview = preview


def _progress(args: argparse.Namespace, request, step: str, status: str) -> None:
    if step == "apply" and status == "done" and request.target is not None:
        _say(args, f"applied to {request.target.place}")


def _after_failure(
    args: argparse.Namespace, exc: BaseException, notes: list[str], session: SetupSession
) -> int:
    """The end of a setup that failed or was interrupted after its journal opened: what the
    undo did or left (its own words), and, when the journal stays open, the exact commands that
    resolve it (journal.next_commands(); `remaining` in --json). An interruption returns 130
    itself, so the generic "nothing was left half-written" never contradicts it; an error is
    raised again with the same words (cli.py prints its line; the JSON object is printed here,
    with `remaining` and `steps`)."""
    import asyncio

    from gtwizard.errors import EXIT_INTERRUPTED, GtwizardError, OperationFailed
    from gtwizard.lifecycle.journal import step_states

    journal = session.journal
    left_open = journal is not None and journal.open
    remaining = journal.next_commands() if journal is not None and left_open else []
    if notes:
        what = "; ".join(note.rstrip(".") for note in notes)
    elif left_open:
        what = "its key may exist on the tenant"
    else:
        what = "nothing had been created"
    resolve = f"resolve it with {' or '.join(remaining)}" if remaining else ""
    told = "; ".join(part for part in (what, resolve) if part)

    def emit(error: str, hint: str) -> None:
        if args.json:
            print_json(
                {
                    "ok": False,
                    "error": " ".join(error.split()),
                    "hint": " ".join(hint.split()),
                    "undone" if not left_open else "left": notes,
                    "remaining": remaining,
                    "steps": step_states(journal) if journal is not None else [],
                }
            )

    if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
        print(f"gtwizard: setup interrupted: {told}.", file=sys.stderr, flush=True)
        emit("interrupted", told)
        return EXIT_INTERRUPTED
    if isinstance(exc, GtwizardError):
        if session.applied_to_target:
            exc = OperationFailed(exc.message, told)
        else:
            said = f"left: {told}" if left_open else f"undone: {told}"
            exc.hint = "; ".join(part for part in (exc.hint, said) if part)
        emit(exc.message, exc.hint)
        raise exc
    print(f"gtwizard: setup failed: {told}", file=sys.stderr, flush=True)
    emit(f"setup stopped by an unexpected error ({type(exc).__name__})", told)
    raise exc


def _snippet(args: argparse.Namespace, session, *, write: bool) -> None:
    """Other products: build the configuration snippet; write it to --snippet FILE or print it.

    The key goes in only with --snippet-with-key and only into the file (never stdout or JSON).
    """
    from pathlib import Path

    from gtwizard.snippets import build_snippet, write_snippet

    request = session.request
    if request.product.slug == "open-webui" or session.base is None:
        return
    with_key = bool(args.snippet_with_key) and write
    snippet = build_snippet(
        request.product,
        openai_base=session.base.openai_base,
        gt_base=request.host.gt_base,
        names=session.choice.names if session.choice else request.names,
        base_reason=session.base.reason,
        secret=session._secret if with_key else None,
        include_secret=with_key,
    )
    info: dict = {
        "format": snippet.format,
        "base": snippet.base,
        "key_reference": snippet.key_reference,
        "includes_key": snippet.includes_secret,
        "path": None,
    }
    if args.snippet and write:
        path = write_snippet(Path(args.snippet), snippet)
        info["path"] = str(path)
        _say(args, f"snippet ({snippet.format}) written to {path} (mode {snippet.file_mode:o})")
    elif args.json:
        info["text"] = snippet.text  # never holds the key: with_key needs a file
    else:
        print(snippet.text, end="", flush=True)
    session.snippet_info = info


def _emit(
    args: argparse.Namespace, session, remaining: list[str], retire: dict | None = None
) -> None:
    """The one JSON object of `--json` (never a secret: session.result() holds none), with what
    is still to do (`remaining`) and, for a re-setup, the old key's retirement (`retire`: the
    rotation's object, `waiting` until the new key is proven)."""
    if args.json:
        out = session.result()
        out["remaining"] = remaining
        if retire is not None:
            out["retire"] = retire
        info = getattr(session, "snippet_info", None)
        if info is not None:
            out["snippet"] = info
        preview = getattr(session, "preview", None)
        if preview is not None:
            out["preview"] = preview
        out["ok"] = True
        print_json(out)
