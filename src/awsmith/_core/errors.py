"""The exception hierarchy of awsmith.

Every exception awsmith raises derives from :class:`AwsmithError`, so a caller can
catch everything the SDK raises with one clause, and nothing from inside the SDK
(``KeyError``, ``JSONDecodeError``, ``AttributeError``) escapes to the caller.

- :class:`ParamValidationError` (also a ``ValueError``): the input is invalid; raised
  before any I/O.
- :class:`ServiceError`: the service answered with an error. Modeled errors are
  generated subclasses in ``awsmith.<service>.errors``.
- :class:`EndpointResolutionError`, :class:`CredentialsError`: configuration problems
  (:class:`EndpointSettingError`, a bad region or endpoint URL, is also a
  :class:`ConfigurationError`).
- :class:`TransportError` and its subclasses: the request did not complete.
- :class:`ResponseParseError`: the service's answer could not be understood.
- :class:`PaginationError`: a paginator could not continue safely.
- :class:`AttachmentError` and its subclasses: an attachment helper of the Support
  client (``upload_attachment``, ``download_attachment``) could not do its work.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, ClassVar, NoReturn, TypeVar


class AwsmithError(Exception):
    """Base class of every exception awsmith raises.

    ``attempts`` is how many attempts the call had made when this error ended it: each
    that ended with an answer or an error of its own, and one cut short (by
    ``call_timeout``, a cancellation) once its request was written, since the server
    may have it; 0 when the call ended before any (bad input, configuration). An error
    that ends a call after attempts without being an attempt's outcome
    (:class:`DeadlineExceededError`, a closed client, credentials that failed before a
    retry, an interceptor's exception) carries the last failed attempt's error: as its
    ``__cause__``, or, when it has a cause of its own (a :class:`CredentialsError`'s is
    the credential provider's exception; a hook's ``raise ... from``), as its
    ``__context__``. A ``DeadlineExceededError`` of a call that made no attempt, its
    deadline passing while it waited for credentials, has the ``CredentialsError`` of
    their last fetch as ``__cause__`` if that failed (a fetch outlives the calls that
    wait for it: its failure may come after theirs).

    ``operation_name`` is the operation of the call that raised it (``"DescribeCases"``),
    also named in the message; ``None`` for an error raised outside a call
    (``Config(...)``, ``to_dict``).

    A call raises a copy of awsmith's errors that did not start in it (one failed
    credentials fetch ends every call that waited for it; a Stubber's queued error;
    an error an interceptor raises): a note added to it, or a field changed, is that
    call's alone. An exception of a class awsmith does not define (yours, a subclass of
    this one included) that an interceptor raised or a Stubber queued is raised as it
    is, the same object, unchanged; one a credential provider raised that is not an
    ``Exception`` (a ``KeyboardInterrupt``) ends every call waiting for that fetch, each
    with a copy of its own (:func:`own_copy`).
    """

    attempts: int = 0
    operation_name: str | None = None

    def _describe(self) -> str:
        """The message: the one given, and the operation once it is known."""
        text = str(self.args[0]) if len(self.args) == 1 else str(self)
        if self.operation_name is None:
            return text
        named = f"when calling the {self.operation_name} operation"
        return f"{text} ({named})" if text else named

    def __reduce__(self) -> tuple[Any, ...]:
        # Not ``cls(*args)``, which would run ``__init__`` on a finished message (most
        # subclasses build theirs from other arguments): the state as it is.
        return (_rebuild_error, (type(self), self.args, self.__dict__))


X = TypeVar("X", bound=BaseException)


E = TypeVar("E", bound=AwsmithError)


def _name(error: AwsmithError, operation_name: str) -> None:
    error.operation_name = operation_name
    error.args = (error._describe(),)  # pyright: ignore[reportPrivateUsage]  # same module


def attempt_error(error: E, operation_name: str, attempt: int) -> E:
    """``error``, made for attempt ``attempt`` (a response's error, the sender's), as that
    attempt's outcome: its ``attempts`` and ``operation_name`` set in place, the
    operation in its message. Only an error no other call can hold is marked so."""
    error.attempts = attempt
    _name(error, operation_name)
    return error


def own_copy(error: X) -> X:
    """A copy of ``error`` with its chain and traceback, for one of the places that
    raise it. One exception may end several calls (a failed credentials fetch ends
    every call that waited for it; a Stubber's error queued twice): what one of them
    adds to it (its operation and attempts, a note, a field changed; the
    ``__context__`` that raising it while handling another exception sets) must reach
    no other.

    The copy is made as unpickling makes it, without running ``__init__`` again (most
    classes build their message from other arguments): the same class and ``args``,
    and the attributes of :func:`_own_state`. An exception whose class cannot be
    rebuilt so (a ``__new__`` of its own that refuses its ``args``) is returned as it
    is."""
    try:
        twin = _rebuild_error(type(error), error.args, _own_state(error))
    except Exception:
        return error
    twin.__cause__, twin.__context__ = error.__cause__, error.__context__
    twin.__suppress_context__ = error.__suppress_context__
    return twin.with_traceback(error.__traceback__)


def _own_state(error: BaseException) -> dict[str, Any]:
    """The attributes of a copy of ``error``. Those of awsmith's classes are deep copies
    (``raw``, modeled fields: data awsmith made, which a call may hand out), a value
    that cannot be copied (something of a caller's) shared. A caller's class keeps its
    attributes shared: awsmith does not know what they hold (a connection, a lock, a
    large object whose identity matters). Either way ``__notes__`` is a list of the
    copy's own, so that a note added to one copy shows on no other."""
    state: dict[str, Any] = dict(error.__dict__)
    if not _awsmiths(error):
        notes = state.get("__notes__")
        if isinstance(notes, list):
            state["__notes__"] = list(notes)  # pyright: ignore[reportUnknownArgumentType]  # whatever add_note put there
        return state
    for name, value in error.__dict__.items():
        try:
            state[name] = copy.deepcopy(value)
        except Exception:  # not copyable: kept as it is
            state[name] = value
    return state


def _awsmiths(error: BaseException) -> bool:
    """Whether ``error`` is of a class awsmith defines (its own, or a generated
    service's), not of one its caller defined."""
    return type(error).__module__.startswith("awsmith.")


def for_call(
    error: E,
    operation_name: str,
    attempts: int = 0,
    last_error: AwsmithError | None = None,
) -> E:
    """``error`` as a call of ``operation_name`` raises it, after ``attempts`` attempts
    whose last failed one ended with ``last_error``. Only on a call's failure path.

    * An exception of a class awsmith does not define, or one that names an operation
      already (this call's, marked before; or another call's made for this one, an STS
      ``AssumeRole`` for its credentials): as it is.
    * Else :func:`own_copy`, named for the call and, unless it is an attempt's own
      outcome (its ``attempts`` set), with the attempts made and the last failed
      attempt's error (the rule of :class:`AwsmithError`'s docstring).
    """
    if error.operation_name is not None or not _awsmiths(error):
        return error
    twin = own_copy(error)
    if not twin.attempts and attempts:
        twin.attempts = attempts
        if last_error is not None:
            if twin.__cause__ is None:
                twin.__cause__ = last_error
            else:  # its own cause (the credential provider's exception) stays
                twin.__context__ = last_error
    _name(twin, operation_name)
    return twin


def raise_as_is(error: BaseException) -> NoReturn:
    """Raises ``error`` with the chain it has. A ``raise`` makes the exception being
    handled where it runs (in an ``except`` of awsmith's, or of the caller's, up the
    stack) the ``__context__`` of what it raises, replacing the one the error came with
    (the ``KeyError`` a hook's ``ConfigurationError`` was raised while handling): this
    puts that back. The exception being handled itself is re-raised as it is."""
    if sys.exc_info()[1] is error:
        raise  # called in the except that caught it: nothing to change
    context = error.__context__
    try:
        raise error
    finally:
        error.__context__ = context


class ParamValidationError(AwsmithError, ValueError):
    """An operation argument breaks a rule of the service model.

    Raised before any I/O. ``field`` is the dotted path of the offending argument in
    Python names (``attachments[0].file_name``) and ``rule`` names the broken rule.
    """

    def __init__(self, field: str, rule: str, detail: str) -> None:
        super().__init__(f"Invalid value for {field!r}: {detail}")
        self.field = field
        self.rule = rule
        self.detail = detail


class ConfigurationError(AwsmithError, ValueError):
    """A client argument or :class:`~awsmith.Config` value is invalid."""


class ClientClosedError(AwsmithError):
    """The client was closed; create a new one."""


class EndpointResolutionError(AwsmithError):
    """No endpoint could be resolved (no region, an unknown region, FIPS unsupported, ...)."""


class EndpointSettingError(EndpointResolutionError, ConfigurationError):
    """A region or endpoint URL that is not one, wherever it was set (a client argument,
    ``AWS_REGION``, ``AWS_ENDPOINT_URL_SUPPORT``, the profile's ``region``, a
    ``[services]`` section): the message names the setting and where it came from.
    Both an :class:`EndpointResolutionError` and a :class:`ConfigurationError`."""


class CredentialsError(AwsmithError):
    """Credentials could not be found or loaded."""


class NoCredentialsError(CredentialsError):
    """The credential provider chain found no credentials."""

    def __init__(self, detail: str = "") -> None:
        message = "Unable to locate AWS credentials"
        super().__init__(f"{message}: {detail}" if detail else message)


class TransportError(AwsmithError):
    """The HTTP request could not be completed (connection, timeout, protocol error)."""

    retryable: ClassVar[bool] = True


class ConnectTimeoutError(TransportError):
    """Connecting to the endpoint took longer than ``Config.connect_timeout``."""


class ReadTimeoutError(TransportError):
    """The endpoint did not answer within ``Config.read_timeout``."""


class ConnectionFailedError(TransportError):
    """The connection failed or was reset before a complete response arrived."""


class DeadlineExceededError(TransportError):
    """The whole call, retries included, took longer than ``Config.call_timeout``."""

    retryable: ClassVar[bool] = False


class ResponseTooLargeError(TransportError):
    """The response body is larger than ``Config.max_response_bytes``.

    Carries the HTTP ``status_code`` and ``request_id`` of the response that was cut off.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, status_code: int | None = None, request_id: str | None = None
    ) -> None:
        if status_code is not None:
            message += f" (HTTP {status_code}, request id {request_id})"
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id


class RequestBodyLengthError(TransportError):
    """A streamed request body yielded more or fewer bytes than the length it declared
    (its ``Content-Length``, which a presigned S3 upload needs up front).

    The request went out incomplete (or was stopped before the excess byte), so its
    connection was closed. Not retried: the source changed size while it was read (a
    file that grew or shrank), or its declared length is wrong, and sending it again
    would not help.
    """

    retryable: ClassVar[bool] = False


class URLRefusedError(TransportError):
    """awsmith will not send a request to this URL (a presigned S3 URL it was given).

    It must be an absolute ``https://`` URL (plain ``http://`` only to a loopback
    address: a local test server), in ASCII, with every character a URL may carry
    unencoded and no ``#fragment``: it is sent exactly as given, so it must need no
    re-encoding. Nothing was sent; not retried.
    """

    retryable: ClassVar[bool] = False


class ResponseParseError(AwsmithError):
    """The service's response could not be parsed into the modeled shape.

    Carries the HTTP ``status_code`` and ``request_id`` so the failure can be reported
    to AWS, and a short ``body_excerpt`` of what was received.
    """

    def __init__(
        self,
        detail: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body_excerpt: bytes = b"",
    ) -> None:
        where = f" (HTTP {status_code}, request id {request_id})" if status_code else ""
        super().__init__(f"Unable to parse the service response{where}: {detail}")
        self.detail = detail
        self.status_code = status_code
        self.request_id = request_id
        self.body_excerpt = body_excerpt


class PaginationError(AwsmithError):
    """A paginator cannot continue safely, for example because a token repeated."""


class ServiceError(AwsmithError):
    """The service returned an error.

    ``code`` is the error code with any namespace removed (``ThrottlingException``),
    ``message`` the service's message, ``status_code`` the HTTP status and
    ``request_id`` the ``x-amzn-RequestId`` of the failed call. Modeled errors are
    generated subclasses that also carry their modeled fields; an error code the model
    does not know still raises ``ServiceError`` with that code.
    """

    #: The error code the subclass is registered for ("" on the base class).
    error_code: ClassVar[str] = ""
    #: Whether the model marks this error as retryable.
    modeled_retryable: ClassVar[bool] = False
    #: Whether the model marks the error as a throttling error.
    modeled_throttling: ClassVar[bool] = False
    #: The HTTP status the model gives the error.
    default_status: ClassVar[int] = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        raw: dict[str, Any] | None = None,
    ) -> None:
        # Declared: inferred from these expressions, the types are a type checker's
        # guess (pyright --verifytypes counts every generated error class incomplete).
        self.code: str = code if code is not None else (self.error_code or type(self).__name__)
        self.message = message
        self.status_code: int = status_code if status_code is not None else self.default_status
        self.request_id = request_id
        #: The decoded error body, for fields the model does not describe.
        self.raw: dict[str, Any] = raw if raw is not None else {}
        super().__init__(self._describe())

    def _describe(self) -> str:
        # "An error occurred (Code) when calling the Op operation: message", as botocore
        # says it, with the status and the request id AWS Support asks for.
        text = f"{self.code} (HTTP {self.status_code})"
        if self.operation_name is not None:
            text += f" when calling the {self.operation_name} operation"
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" [request id {self.request_id}]"
        return text


class AttachmentError(AwsmithError):
    """An attachment helper of the Support client (``upload_attachment``,
    ``download_attachment``) could not do its work.

    ``operation_name`` is the helper's name (``"upload_attachment"``), also in the
    message with the file. ``file_name`` is the attachment's file name as the service
    knows it (once known), ``upload_id`` / ``attachment_id`` the service's id when there
    was one. ``attempts`` counts the requests made for what failed (a
    part's PUTs, a download's GETs, the status polls) as a call counts its attempts
    (one cut short counts once its request was written), and ``__cause__`` is the
    last one's error, as for the errors of a call. An error of one of the Support calls a
    helper makes (``GetAttachmentUploadLinks``, ...) is raised as that call raised it,
    with a note naming the file.
    """

    def __init__(
        self,
        message: str,
        *,
        operation_name: str,
        file_name: str | None = None,
        upload_id: str | None = None,
        attachment_id: str | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.file_name = file_name
        self.upload_id = upload_id
        self.attachment_id = attachment_id
        self.attempts = attempts
        # Through the base's helper: the attributes keep AwsmithError's declared types
        # (assigned here, pyright --verifytypes reads an ambiguous override).
        _name(self, operation_name)


class AttachmentSourceError(AttachmentError):
    """What ``upload_attachment`` was given cannot be uploaded as it is: it cannot be
    read (a missing file, not a regular file), it is empty or over the 150 MiB limit
    (raised before any request), or it changed size while it was uploaded (raised
    before the upload is completed, so the service never takes a partial file)."""


class AttachmentUploadError(AttachmentError):
    """A part of the file could not be uploaded to its presigned URL within the
    client's retry policy (``part_index`` says which; ``__cause__`` is the last
    attempt's :class:`TransportError`, or the :class:`ServiceError` S3 answered with),
    or the service's answers about the upload do not add up. The upload was not
    completed."""

    def __init__(
        self,
        message: str,
        *,
        operation_name: str,
        file_name: str | None = None,
        upload_id: str | None = None,
        part_index: int | None = None,
        attempts: int = 0,
    ) -> None:
        self.part_index = part_index
        super().__init__(
            message,
            operation_name=operation_name,
            file_name=file_name,
            upload_id=upload_id,
            attempts=attempts,
        )


class AttachmentProcessingError(AttachmentError):
    """Every part was uploaded and reported, and AWS Support then ended the upload
    ``failed`` (``DescribeAttachmentUploadStatus``): the file was not attached. Upload
    it again."""


class AttachmentNotReadyError(AttachmentError):
    """The upload was completed but was not seen ``attachment-ready``: not within the
    helper's time limit, or a status poll failed (throttling past the retries, a
    timeout: that error is the ``__cause__``). The service may still finish it:
    ``upload_id`` can be polled with ``describe_attachment_upload_status``, and need
    not be uploaded again."""


class AttachmentDownloadError(AttachmentError):
    """An attachment could not be downloaded within the client's retry policy, or not
    written where it was asked to go. A download to a path leaves that path as it
    was."""


def _rebuild_error(
    cls: type[X], args: tuple[Any, ...] | str | None, state: dict[str, Any]
) -> X:
    """An exception from its pickle, ``AwsmithError.__reduce__``'s (class, args,
    attributes), or as :func:`own_copy` copies one: made without running ``__init__``.
    Pickled by awsmith before operation names (e82cd98 and earlier, ServiceError
    only), it is (class, message, attributes): its message is made again from them."""
    if not isinstance(args, tuple):
        return _rebuild_old_error(cls, state)
    err = cls.__new__(cls, *args)  # BaseException's: keeps args; OSError's: errno too
    err.args = args
    err.__dict__.update(state)
    return err


def _rebuild_old_error(cls: type[X], state: dict[str, Any]) -> X:
    """An error pickled before operation names, its message made from its attributes
    (``_describe``, as the old reconstructor did through ``__init__``)."""
    err = cls.__new__(cls)
    if not isinstance(err, AwsmithError):
        raise TypeError(f"not a pickle of an awsmith error: {cls.__qualname__}")
    err.__dict__.update(state)
    err.args = (err._describe(),)  # pyright: ignore[reportPrivateUsage]  # same module
    return err
