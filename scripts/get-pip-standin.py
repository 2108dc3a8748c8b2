# gtwizard: a stand-in for ansible-test's pip bootstrap script (get-pip), see ansible/README.md.
"""Install the pip that ansible-test asks for into the new virtual environment it runs this in.

`ansible-test ... --venv` creates an empty venv and runs `get_pip_<version>.py OPTIONS PACKAGES`
(for example `--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel`). It downloads
that script from a host that not every machine can reach, unless a copy is cached in
~/.ansible/test/cache/. This stand-in does the same job from the package index pip is configured
for: Python's own bundled pip (ensurepip) first, then exactly the packages asked for.
"""

import subprocess
import sys

OURS = ("--no-setuptools", "--no-wheel")  # get-pip's own options, not pip install's


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg not in OURS]
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        sys.exit(f"{sys.executable} has no ensurepip: install its venv package (python3-venv)")
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", *args])
    if "--no-setuptools" in sys.argv:  # as get-pip leaves it: ensurepip may bring setuptools
        subprocess.check_call(
            [sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"]
        )


if __name__ == "__main__":
    main()
