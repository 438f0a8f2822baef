"""awsmith: typed async clients for AWS Support and Amazon CodeGuru Profiler.

>>> from awsmith.support import SupportClient
>>> async with SupportClient(region="us-east-1") as support:
...     page = await support.describe_cases(include_resolved_cases=True)
"""

import logging

from awsmith._core.assume_role import assume_role
from awsmith._core.config import Config
from awsmith._core.credentials import CachingProvider, CredentialProvider, Credentials
from awsmith._core.endpoints import Endpoint
from awsmith._core.enums import OpenEnum
from awsmith._core.errors import (
    AttachmentDownloadError,
    AttachmentError,
    AttachmentNotReadyError,
    AttachmentProcessingError,
    AttachmentSourceError,
    AttachmentUploadError,
    AwsmithError,
    ClientClosedError,
    ConfigurationError,
    ConnectionFailedError,
    ConnectTimeoutError,
    CredentialsError,
    DeadlineExceededError,
    EndpointResolutionError,
    EndpointSettingError,
    NoCredentialsError,
    PaginationError,
    ParamValidationError,
    ReadTimeoutError,
    RequestBodyLengthError,
    ResponseParseError,
    ResponseTooLargeError,
    ServiceError,
    TransportError,
    URLRefusedError,
)
from awsmith._core.interceptors import Interceptor, InterceptorContext, TransportRequest
from awsmith._core.interchange import from_dict, to_dict
from awsmith._core.metadata import ResponseMetadata
from awsmith._core.paginator import Paginator
from awsmith._core.transport.http import TransportResponse
from awsmith._version import __version__

# Silent unless the application configures logging (the library convention).
logging.getLogger("awsmith").addHandler(logging.NullHandler())

__all__ = [
    "AttachmentDownloadError",
    "AttachmentError",
    "AttachmentNotReadyError",
    "AttachmentProcessingError",
    "AttachmentSourceError",
    "AttachmentUploadError",
    "AwsmithError",
    "CachingProvider",
    "ClientClosedError",
    "Config",
    "ConfigurationError",
    "ConnectTimeoutError",
    "ConnectionFailedError",
    "CredentialProvider",
    "Credentials",
    "CredentialsError",
    "DeadlineExceededError",
    "Endpoint",
    "EndpointResolutionError",
    "EndpointSettingError",
    "Interceptor",
    "InterceptorContext",
    "NoCredentialsError",
    "OpenEnum",
    "PaginationError",
    "Paginator",
    "ParamValidationError",
    "ReadTimeoutError",
    "RequestBodyLengthError",
    "ResponseMetadata",
    "ResponseParseError",
    "ResponseTooLargeError",
    "ServiceError",
    "TransportError",
    "TransportRequest",
    "TransportResponse",
    "URLRefusedError",
    "__version__",
    "assume_role",
    "from_dict",
    "to_dict",
]
