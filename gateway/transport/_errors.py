"""Translation of aio-pika, aiormq and pamqp exceptions into the gateway's TransportError tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import aiormq.exceptions as amqp
import pamqp.exceptions

from gateway.errors import (
    BrokerAccessRefused,
    BrokerUnavailable,
    MessageUnroutable,
    PublishRefused,
    TopologyMismatch,
    TransportError,
)
from gateway.transport._settings import TransportSettings


@contextmanager
def translated(
    settings: TransportSettings, action: str, *, routing_key: str = ""
) -> Iterator[None]:
    """Run the body and raise any library exception as a TransportError naming ``action``.

    The detail names the broker without credentials, and the library's text is scrubbed of
    the URL's password in case a library ever puts it there.
    """
    try:
        yield
    except TransportError:
        raise
    except TimeoutError as exc:
        raise BrokerUnavailable(
            f"{action}: no answer from the broker at {settings.broker} "
            f"within {settings.operation_timeout:g} s"
        ) from exc
    except amqp.PublishError as exc:
        raise MessageUnroutable(
            routing_key,
            f"{action}: the broker returned the message, no queue is bound for routing key "
            f"{routing_key!r} ({_text(exc, settings)})",
        ) from exc
    except amqp.DeliveryError as exc:
        raise PublishRefused(
            f"{action}: the broker refused the message ({_text(exc, settings)})"
        ) from exc
    except (amqp.ChannelNotFoundEntity, amqp.ChannelPreconditionFailed) as exc:
        raise TopologyMismatch(f"{action} on {settings.broker}: {_text(exc, settings)}") from exc
    except (
        amqp.ChannelAccessRefused,
        amqp.AuthenticationError,
        amqp.ProbableAuthenticationError,
    ) as exc:
        raise BrokerAccessRefused(
            f"{action} on {settings.broker}: access refused ({_text(exc, settings)})"
        ) from exc
    except (
        amqp.AMQPConnectionError,
        amqp.ChannelClosed,
        amqp.ChannelInvalidStateError,
        ConnectionError,
        OSError,
    ) as exc:
        raise BrokerUnavailable(
            f"{action}: the broker at {settings.broker} cannot be reached or the connection "
            f"was lost ({_text(exc, settings)})"
        ) from exc
    except (amqp.AMQPError, pamqp.exceptions.PAMQPException) as exc:
        raise TransportError(
            f"{action} on {settings.broker} failed: {type(exc).__name__} ({_text(exc, settings)})"
        ) from exc


def _text(exc: BaseException, settings: TransportSettings) -> str:
    text = str(exc) or type(exc).__name__
    password = urlsplit(settings.amqp_url).password
    if password:
        for secret in {password, unquote(password)}:
            text = text.replace(secret, "***")
    return text
