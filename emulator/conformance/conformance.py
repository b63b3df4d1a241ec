"""Conformance checks of the vault-settings Key Vault emulator with the
official Python SDK (azure-keyvault-secrets on azure-core).

Environment:
  VAULT_URL     the vault URL, e.g. https://127.0.0.1:PORT
  VAULT_CA_FILE the emulator's per-run CA certificate (PEM)
  VAULT_TOKEN   a bearer token minted by the emulator

Prints one "ok - ..." line per check and exits non-zero on the first
failure. Secret values are never printed.
"""

import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient


class StaticToken:
    """A credential that hands out one pre-minted emulator token."""

    def __init__(self, token):
        self._token = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3600)


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)
    print(f"ok - {what}", flush=True)


def expect_error(call, error_type, status, code, inner=None):
    try:
        call()
    except error_type as error:
        got_inner = None
        if error.error is not None and isinstance(error.error.innererror, dict):
            got_inner = error.error.innererror.get("code")
        return (
            error.status_code == status
            and error.error is not None
            and error.error.code == code
            and (inner is None or got_inner == inner)
        )
    return False


def main():
    client = SecretClient(
        vault_url=os.environ["VAULT_URL"],
        credential=StaticToken(os.environ["VAULT_TOKEN"]),
        verify_challenge_resource=False,
        connection_verify=os.environ["VAULT_CA_FILE"],
        retry_total=2,
    )
    name = "py-conformance"

    first = client.set_secret(name, "value-one", content_type="text/plain", tags={"suite": "py"})
    second = client.set_secret(name, "value-two")
    check(first.properties.version != second.properties.version, "set creates a new version each time")
    check(first.properties.content_type == "text/plain", "set keeps the content type")
    check(first.properties.tags == {"suite": "py"}, "set keeps the tags")

    latest = client.get_secret(name)
    check(latest.value == "value-two", "get returns the latest version")
    check(latest.properties.version == second.properties.version, "latest has the newest version id")
    check(latest.properties.vault_url == os.environ["VAULT_URL"], "ids are built from the request host")
    pinned = client.get_secret(name, first.properties.version)
    check(pinned.value == "value-one", "get by version returns that version")
    check(pinned.properties.enabled is True, "attributes: enabled")
    check(pinned.properties.created_on is not None, "attributes: created")
    check(pinned.properties.recovery_level == "Recoverable+Purgeable", "attributes: recoveryLevel")

    for i in range(5):
        client.set_secret(f"py-page-{i}", f"page-{i}")
    pages = list(client.list_properties_of_secrets(max_page_size=2).by_page())
    listed = [p.name for page in pages for p in page]
    check(len(pages) == 4, "list pages follow nextLink (7 secrets, 2 per page)")
    check(sorted(listed) == sorted([name] + [f"py-page-{i}" for i in range(5)] + ["py-seeded"]), "list returns every secret once")
    versions = list(client.list_properties_of_secret_versions(name, max_page_size=1))
    check(len(versions) == 2, "list versions returns every version")

    client.update_secret_properties(name, enabled=False)
    check(
        expect_error(lambda: client.get_secret(name), HttpResponseError, 403, "Forbidden", "SecretDisabled"),
        "a disabled secret raises 403 Forbidden / SecretDisabled",
    )
    check(
        expect_error(lambda: client.get_secret("does-not-exist"), ResourceNotFoundError, 404, "SecretNotFound"),
        "an unknown secret raises ResourceNotFoundError / SecretNotFound",
    )
    check(
        expect_error(
            lambda: client.get_secret("py-seeded", "0" * 32), ResourceNotFoundError, 404, "SecretNotFound"
        ),
        "an unknown version raises ResourceNotFoundError",
    )

    deleted = client.begin_delete_secret("py-seeded").result()
    check(deleted.recovery_id is not None and deleted.deleted_date is not None, "delete returns the deleted secret")
    check(
        expect_error(lambda: client.get_secret("py-seeded"), ResourceNotFoundError, 404, "SecretNotFound"),
        "a deleted secret is not found",
    )
    check("py-seeded" in [d.name for d in client.list_deleted_secrets()], "deleted secrets are listed")
    client.begin_recover_deleted_secret("py-seeded").result()
    check(client.get_secret("py-seeded").value == "seeded-value", "recover brings the value back")

    client.begin_delete_secret("py-page-0").result()
    client.purge_deleted_secret("py-page-0")
    check(
        expect_error(
            lambda: client.get_deleted_secret("py-page-0"), ResourceNotFoundError, 404, "SecretNotFound"
        ),
        "purge removes the deleted secret",
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CheckFailed as failure:
        print(f"FAILED - {failure}", flush=True)
        sys.exit(1)
