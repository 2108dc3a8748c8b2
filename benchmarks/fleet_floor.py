"""The network floor of `check --all`: for each profile one request with its key, `--jobs` at a
time, and nothing else (no checks, no report, no config write).

Any check of a key must send that key to the tenant at least once and wait for the answer, so a
fleet run can never be faster than this program. `benchmarks/fleet.py` times it next to the real
`check --all` and sets it against the same single `check`: if even this floor is above the
budget's limit, the limit is below what the network allows at that `--jobs`.

    python benchmarks/fleet_floor.py --jobs 8 [NAME ...]   # every profile, or the names given

With `--rotate` it is the floor of `rotate --due` instead: for each profile one mint (the operator
token from GTWIZARD_OPERATOR_TOKEN, the profile's scopes and allowlist), one request with the new
key, and one revoke, `--jobs` at a time: what any automatic rotation must ask of the tenant.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path


async def floor(names: list[str] | None, jobs: int) -> None:
    from gtwizard.gt.http import make_client
    from gtwizard.profiles import load_profiles
    from gtwizard.secrets import key_entry, open_store
    from gtwizard.tenant import parse_host

    profiles = load_profiles()
    chosen = names or list(profiles)
    gate = asyncio.Semaphore(jobs)

    async def one(name: str) -> None:
        profile = profiles[name]
        store = open_store("file", path=Path(profile.storage_location))
        key = store.get(key_entry(name, profile.key_id or ""))
        url = parse_host(profile.tenant_host).openai_base_v1 + "/models"
        async with gate, make_client(headers={"Authorization": f"Bearer {key}"}) as http:
            (await http.get(url)).raise_for_status()

    await asyncio.gather(*(one(n) for n in chosen))


async def rotate_floor(names: list[str] | None, jobs: int) -> None:
    import os

    from gtwizard.gt.http import make_client
    from gtwizard.gt.keys import KeyManager, MintRequest
    from gtwizard.profiles import load_profiles
    from gtwizard.tenant import parse_host

    profiles = load_profiles()
    chosen = names or list(profiles)
    token = os.environ["GTWIZARD_OPERATOR_TOKEN"]
    gate = asyncio.Semaphore(jobs)

    async def one(name: str) -> None:
        profile = profiles[name]
        host = parse_host(profile.tenant_host)
        request = MintRequest(
            name=f"floor-{name}",
            scopes=tuple(profile.scopes),
            agent_aliases=tuple(profile.agent_aliases),
            raw_models=tuple(profile.raw_models),
        )
        async with gate, KeyManager(host.gt_base, token) as keys:
            minted = await keys.mint(request)
            auth = {"Authorization": f"Bearer {minted.secret}"}
            async with make_client(headers=auth) as http:
                (await http.get(host.openai_base_v1 + "/models")).raise_for_status()
            await keys.revoke(minted.id)

    await asyncio.gather(*(one(n) for n in chosen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--rotate", action="store_true", help="the floor of rotate --due")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    run = rotate_floor if args.rotate else floor
    asyncio.run(run(args.names or None, args.jobs))


if __name__ == "__main__":
    main()
