"""`gtwizard setup`'s request from its flags: the target (Open WebUI's env file or admin API, or
`--target KIND` with its declared settings), the proof channel, and the credentials the environment
may send where."""

from __future__ import annotations

import argparse


def add_target_arguments(p: argparse.ArgumentParser) -> None:
    """`--target KIND` and each target's settings, as gtwizard.targets.registry declares them."""
    from gtwizard.targets.registry import settings_kinds

    specs = settings_kinds()
    if not specs:
        return
    p.add_argument(
        "--target",
        choices=[str(spec.kind) for spec in specs],
        help="configure this product instead of Open WebUI's env file or admin API: "
        + "; ".join(f"{spec.kind}: {spec.label}" for spec in specs),
    )
    for spec in specs:
        group = p.add_argument_group(f"--target {spec.kind} ({spec.product})")
        for setting in spec.settings:
            default = f" (default {setting.default})" if setting.default else ""
            group.add_argument(
                setting.flag,
                dest=setting_dest(setting.flag),
                metavar="PATH" if setting.path else "VALUE",
                help=f"{setting.label}{default}",
            )


def setting_dest(flag: str) -> str:
    return "target_" + flag.lstrip("-").replace("-", "_")


def settings_target(args: argparse.Namespace, product_slug: str):  # ClientTarget | None
    """The target `--target KIND` and its settings flags name (None: no --target)."""
    from gtwizard.errors import InvalidInput
    from gtwizard.targets.registry import from_settings, spec_for

    kind = getattr(args, "target", None)
    if not kind:
        return None
    spec = spec_for(kind)
    assert spec is not None  # argparse keeps to the choices
    if args.env_file or args.openwebui_url:
        raise InvalidInput(
            f"--target {kind} and --env-file/--openwebui-url name two targets",
            "give one of them",
        )
    if product_slug not in spec.presets:
        raise InvalidInput(
            f"--target {kind} configures {spec.product}, not the preset {product_slug!r}",
            f"run it with --preset {spec.presets[0]}",
        )
    values = {s.key: getattr(args, setting_dest(s.flag), None) for s in spec.settings}
    prove_url, prove_token = proof_channel(args) if args.prove_url else (None, None)
    return from_settings(
        spec,
        values,
        proof_url=prove_url,
        credential=prove_token,
        allow_http=args.allow_http_openwebui,
    )


def build_request(args: argparse.Namespace):  # SetupRequest, imported lazily
    from pathlib import Path

    from gtwizard.errors import InvalidInput
    from gtwizard.presets.catalog import load_catalog
    from gtwizard.profiles import validate_profile_name
    from gtwizard.proofchannel import same_place
    from gtwizard.setup.keys import check_expires_days, parse_names
    from gtwizard.setup.session import SetupRequest
    from gtwizard.snippets import check_snippet_path
    from gtwizard.targets.base import ClientTarget
    from gtwizard.targets.openwebui import AdminApiTarget, EnvFileTarget
    from gtwizard.tenant import parse_host

    for flag in ("env_file", "snippet", "openwebui_url", "prove_url"):
        if getattr(args, flag) is not None and not getattr(args, flag).strip():
            name = "--" + flag.replace("_", "-")
            raise InvalidInput(f"{name} is empty", f"give {name} a value, or leave the flag out")
    check_expires_days(args.expires_days)
    catalog = load_catalog()
    product = catalog.product(args.preset)
    key_preset = catalog.key_preset(args.key_preset or product.recommended_key_preset)
    host = parse_host(args.host)
    target: ClientTarget | None = None
    if args.env_file:
        prove_url, prove_token = proof_channel(args)
        target = EnvFileTarget(
            path=Path(args.env_file).expanduser().absolute(),
            dialect=args.env_dialect,
            data_dir=Path(args.openwebui_data_dir).expanduser()
            if args.openwebui_data_dir
            else None,
            admin_url=prove_url,
            admin_token=prove_token,
            disable_persistent_config=args.disable_persistent_config,
            allow_http=args.allow_http_openwebui,
        )
    elif getattr(args, "target", None):
        pass  # --target KIND: its settings and --prove-url make the target (settings_target)
    elif args.prove_url and not args.openwebui_url:
        raise InvalidInput(
            "--prove-url goes with --env-file",
            "with the admin API, --openwebui-url URL is both the target and the proof channel",
        )
    elif args.prove_url and not same_place(args.prove_url, args.openwebui_url):
        raise InvalidInput(
            "--prove-url names another Open WebUI than --openwebui-url",
            "with the admin API, --openwebui-url URL is both the target and the proof channel",
        )
    if args.openwebui_url and not args.env_file:
        token, withheld = env_credential("openwebui", args.openwebui_url)
        if withheld:
            raise InvalidInput(withheld, "run with the admin credential of this Open WebUI")
        if not token:
            raise InvalidInput(
                "--openwebui-url needs an Open WebUI admin credential",
                "export GTWIZARD_OPENWEBUI_TOKEN (an admin API key or JWT); never pass it in argv",
            )
        target = AdminApiTarget(
            url=args.openwebui_url,
            token=token,
            audience=args.audience,
            allow_http=args.allow_http_openwebui,
        )
    chosen = settings_target(args, product.slug)
    if chosen is not None:
        target = chosen
    elif product.slug != "open-webui" and target is not None:
        raise InvalidInput(
            f"{product.name} has no automated target yet",
            "leave out --env-file/--openwebui-url; use --snippet FILE for its configuration",
        )
    if product.slug == "open-webui" and (args.snippet or args.snippet_with_key):
        raise InvalidInput(
            "Open WebUI is configured directly, not through a snippet",
            "use --env-file PATH or --openwebui-url URL instead of --snippet",
        )
    if args.snippet_with_key and not args.snippet:
        raise InvalidInput(
            "--snippet-with-key needs --snippet FILE",
            "the key is never printed; name a file to receive it (written with mode 0600)",
        )
    if args.snippet:  # before any key: a real run would mint, fail to write, then revoke
        check_snippet_path(Path(args.snippet))
    return SetupRequest(
        profile=validate_profile_name(args.profile),
        product=product,
        key_preset=key_preset,
        host=host,
        names=parse_names(args.aliases),
        embeddings=args.embeddings,
        embedding_model=args.embedding_model,
        storage=args.storage,
        target=target,
        ca_bundle=args.ca_bundle,
        expires_days=args.expires_days,
        keep_admin_token=args.keep_admin_token,
        keep_operator_token=args.keep_operator_token,
        dry_run=args.dry_run,
        replace=args.replace,
        accept_wider_key=args.accept_wider_key,
    )


def proof_channel(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """An env-file setup's proof channel: Open WebUI's URL (--prove-url, or --openwebui-url beside
    --env-file) and the admin credential the environment may send there (kept only when asked)."""
    from gtwizard.errors import InvalidInput
    from gtwizard.openwebui.url import check_openwebui_url
    from gtwizard.proofchannel import same_place

    given = [u for u in (args.prove_url, args.openwebui_url) if u]
    if len(given) == 2 and not same_place(*given):
        raise InvalidInput(
            "--prove-url and --openwebui-url name two Open WebUIs",
            "beside --env-file both name the Open WebUI that reads it: give one of them",
        )
    if not given:
        if args.keep_admin_token:
            raise InvalidInput(
                "--keep-admin-token with --env-file keeps the credential of the proof channel",
                "give Open WebUI's URL with --prove-url URL (GTWIZARD_OPENWEBUI_TOKEN set)",
            )
        return None, None
    url = check_openwebui_url(given[0], allow_http=args.allow_http_openwebui).url
    token, withheld = env_credential("openwebui", url)
    if args.keep_admin_token and not token:
        raise InvalidInput(
            f"--keep-admin-token: {withheld}"
            if withheld
            else "--keep-admin-token needs the admin credential of the --prove-url Open WebUI",
            "export GTWIZARD_OPENWEBUI_TOKEN (an admin API key or JWT); never pass it in argv",
        )
    return url, token


def env_credential(kind: str, place_text: object) -> tuple[str | None, str | None]:
    """The environment's operator token ("operator") or Open WebUI admin credential ("openwebui")
    if it may go to this one place (gtwizard/credentials.py), and why not when it may not. With
    no place known, only a credential bound to no place is used."""
    from gtwizard.credentials import Settings, credential_for, openwebui_place, tenant_place

    settings = Settings.from_environ()
    cred = settings.operator if kind == "operator" else settings.openwebui
    if not isinstance(place_text, str) or not place_text:
        return (None, None) if cred.bound else (cred.token, None)
    place = tenant_place(place_text) if kind == "operator" else openwebui_place(place_text)
    grant = credential_for(cred, place, ())
    return grant.token, grant.withheld
