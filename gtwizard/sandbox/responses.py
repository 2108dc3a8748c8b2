"""OpenAI-style error bodies, the one error shape the sandbox ever sends."""

from __future__ import annotations

from starlette.responses import JSONResponse


class FieldError(ValueError):
    """A request field that cannot be used; `param` names it for the 400 body."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def error_response(
    status: int,
    err_type: str,
    code: str,
    message: str,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": err_type, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def invalid_key(code: str = "invalid_api_key") -> JSONResponse:
    message = "API key expired" if code == "key_expired" else "invalid or missing API key"
    return error_response(401, "authentication_error", code, message)


def invalid_operator() -> JSONResponse:
    return error_response(
        401, "authentication_error", "invalid_operator_token", "invalid or missing operator token"
    )


def insufficient_scope(scope: str) -> JSONResponse:
    return error_response(
        403, "permission_error", "insufficient_scope", f"this key lacks the scope {scope}", scope
    )


def wrong_purpose(purpose: str, route: str) -> JSONResponse:
    return error_response(
        403,
        "permission_error",
        "wrong_purpose",
        f"a key with purpose {purpose!r} cannot use {route}",
        None,
    )


def dataset_not_found(dataset: str) -> JSONResponse:
    # Like models: unknown and not-allowlisted datasets get the same answer.
    return error_response(
        404, "invalid_request_error", "dataset_not_found", f"dataset {dataset!r} not found", "id"
    )


def model_not_found(model: str) -> JSONResponse:
    # One answer for unknown, unpublished and not-allowlisted names: no existence leak.
    return error_response(
        404, "invalid_request_error", "model_not_found", f"model {model!r} not found", "model"
    )


def not_found(message: str = "no such route", param: str | None = None) -> JSONResponse:
    return error_response(404, "invalid_request_error", "not_found", message, param)


def bad_request(message: str, param: str | None = None) -> JSONResponse:
    return error_response(400, "invalid_request_error", "invalid_request", message, param)


_DEFAULT_CODES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_scope"),
    404: ("invalid_request_error", "not_found"),
    429: ("rate_limit_error", "rate_limited"),
}


def for_status(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The contract's body for any status (used by fault injection and generic HTTP errors)."""
    if status >= 500:
        err_type, code = "server_error", "server_error"
    else:
        err_type, code = _DEFAULT_CODES.get(status, ("invalid_request_error", "invalid_request"))
    return error_response(status, err_type, code, message, None, headers)
