"""Staff define live codes and their group targets. Changes when what a live code is changes;
an ADVISOR code's WeCom contact way is kept in step through ``koc.livecodes.contactways``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.livecodes import rules
from koc.livecodes.errors import LiveCodeErrorCode
from koc.livecodes.models import LiveCode, LiveCodeKind, LiveCodeTarget
from koc.members.models import Member, Tag

M = TypeVar("M", bound=Model)

MAX_IMAGE_BYTES = 512 * 1024
MAX_TARGETS = 50
MAX_TAGS = 20
# The first bytes of the image formats WeChat's group QR codes come in.
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


@dataclass
class LiveCodeData:
    slug: str
    name: str
    kind: LiveCodeKind
    channel: str
    tag_ids: list[int] = field(default_factory=list)
    owner_member_id: int | None = None
    low_targets: int = 1
    page: str = ""


@dataclass
class TargetData:
    expires_at: datetime
    capacity: int = 200
    label: str = ""
    image_url: str = ""
    image_base64: str | None = None


def _invalid(message: str, field_name: str) -> DomainError:
    return DomainError(LiveCodeErrorCode.INVALID, message, field_name)


def _check_code(data: LiveCodeData) -> None:
    if not rules.valid_slug(data.slug):
        raise _invalid(
            "A slug is 3-27 lower-case letters, digits or '-', starting with a letter or digit.",
            "slug",
        )
    if not 1 <= len(data.name) <= 64:
        raise _invalid("name must be 1-64 characters.", "name")
    if not rules.CHANNEL_RE.fullmatch(data.channel):
        raise _invalid("channel is 1-32 lower-case letters, digits or '_'.", "channel")
    if len(data.tag_ids) > MAX_TAGS:
        raise _invalid(f"At most {MAX_TAGS} tags.", "tagIds")
    if not 0 <= data.low_targets <= rules.MAX_CAPACITY:
        raise _invalid("lowTargets is 0 or more.", "lowTargets")
    if data.kind is LiveCodeKind.MINI_PROGRAM and not rules.PAGE_RE.fullmatch(data.page):
        raise _invalid(
            "A MINI_PROGRAM code needs the page to open, e.g. pages/index/index.", "page"
        )
    if data.kind is not LiveCodeKind.MINI_PROGRAM and data.page:
        raise _invalid("Only a MINI_PROGRAM code opens a page.", "page")


async def _check_references(data: LiveCodeData) -> None:
    ids = list(dict.fromkeys(data.tag_ids))
    if ids and await Tag.filter(id__in=ids).count() != len(ids):
        raise DomainError(LiveCodeErrorCode.NOT_FOUND, "No such tag.", "tagIds")
    data.tag_ids = ids
    if data.owner_member_id is not None and not await Member.exists(id=data.owner_member_id):
        raise DomainError(LiveCodeErrorCode.NOT_FOUND, "No such member.", "ownerMemberId")


def snapshot(code: LiveCode) -> dict[str, Any]:
    return {
        "slug": code.slug,
        "name": code.name,
        "kind": code.kind,
        "channel": code.channel,
        "tagIds": code.tag_ids,
        "ownerMemberId": code.owner_member_id,  # type: ignore[attr-defined]
        "lowTargets": code.low_targets,
        "page": code.page,
        "active": code.active,
    }


async def create_live_code(data: LiveCodeData, *, actor: StaffViewer, **extra: Any) -> LiveCode:
    """Define a live code (``extra``: columns another module filled, e.g. a contact way)."""
    data.name = data.name.strip()
    _check_code(data)
    await _check_references(data)
    try:
        async with in_transaction():
            code = await LiveCode.create(**data.__dict__, created_by_id=actor.staff_id, **extra)
            await audit.record(actor, "live_code.create", "LiveCode", code.id, after=snapshot(code))
    except IntegrityError as exc:
        raise DomainError(
            LiveCodeErrorCode.SLUG_TAKEN, "Another live code has this slug.", "slug"
        ) from exc
    return code


async def update_live_code(
    code_id: int, changes: dict[str, Any], *, actor: StaffViewer
) -> LiveCode:
    """Change a live code (``changes`` maps LiveCodeData names or ``active`` to new values);
    its slug and kind stay, so printed codes keep working."""
    async with in_transaction():
        code = await get_code(code_id, lock=True)
        before = snapshot(code)
        data = LiveCodeData(
            slug=code.slug,
            name=code.name,
            kind=code.kind,
            channel=code.channel,
            tag_ids=list(code.tag_ids),
            owner_member_id=code.owner_member_id,  # type: ignore[attr-defined]
            low_targets=code.low_targets,
            page=code.page,
        )
        active = changes.pop("active", code.active)
        for name, value in changes.items():
            setattr(data, name, value.strip() if name == "name" else value)
        _check_code(data)
        await _check_references(data)
        if data.page != code.page:
            # a new page needs new links
            code.url_link, code.url_scheme, code.url_link_expires_at = "", "", None
        code.update_from_dict({**data.__dict__, "active": active})
        await code.save()
        await audit.record(
            actor, "live_code.update", "LiveCode", code.id, before=before, after=snapshot(code)
        )
    return code


async def _found(model: type[M], pk: int, what: str, *, lock: bool) -> M:
    """The ``model`` row ``pk`` (locked for update when ``lock``), else NOT_FOUND on ``id``."""
    query = model.get_or_none(id=pk)
    row = await (query.select_for_update() if lock else query)
    if row is None:
        raise DomainError(LiveCodeErrorCode.NOT_FOUND, f"No such {what}.", "id")
    return row


async def get_code(code_id: int, *, lock: bool = False) -> LiveCode:
    return await _found(LiveCode, code_id, "live code", lock=lock)


def _image(data: TargetData) -> tuple[str, bytes | None]:
    """The content type and bytes of an uploaded image (``("", None)`` when none)."""
    if data.image_base64 is None:
        if not rules.IMAGE_URL_RE.fullmatch(data.image_url):
            raise _invalid(
                "Give the group QR image as imageUrl (http/https) or imageBase64.", "imageUrl"
            )
        return "", None
    if data.image_url:
        raise _invalid("Give imageUrl or imageBase64, not both.", "imageBase64")
    try:
        raw = base64.b64decode(data.image_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid("imageBase64 is not base64.", "imageBase64") from exc
    if len(raw) > MAX_IMAGE_BYTES:
        raise _invalid(f"An image is at most {MAX_IMAGE_BYTES // 1024} KiB.", "imageBase64")
    content_type = next((t for magic, t in IMAGE_TYPES.items() if raw.startswith(magic)), None)
    if content_type is None:
        raise _invalid("The image must be a PNG, JPEG or GIF.", "imageBase64")
    return content_type, raw


def _check_target(capacity: int, expires_at: datetime, label: str) -> None:
    if not 1 <= capacity <= rules.MAX_CAPACITY:
        raise _invalid(f"capacity is 1-{rules.MAX_CAPACITY:,}.", "capacity")
    if expires_at <= datetime.now(UTC):
        raise _invalid("expiresAt must be in the future.", "expiresAt")
    if len(label) > 64:
        raise _invalid("label is at most 64 characters.", "label")


async def add_target(code_id: int, data: TargetData, *, actor: StaffViewer) -> LiveCodeTarget:
    """Append a group QR image to a GROUP code's list."""
    _check_target(data.capacity, data.expires_at, data.label)
    content_type, raw = _image(data)
    async with in_transaction():
        code = await get_code(code_id, lock=True)
        if code.kind is not LiveCodeKind.GROUP:
            raise DomainError(
                LiveCodeErrorCode.WRONG_KIND, "Only a GROUP code has group targets.", "liveCodeId"
            )
        positions = await LiveCodeTarget.filter(live_code_id=code.id).values_list(
            "position", flat=True
        )
        if len(positions) >= MAX_TARGETS:
            raise _invalid(f"A code has at most {MAX_TARGETS} targets.", "liveCodeId")
        target = await LiveCodeTarget.create(
            live_code_id=code.id,
            position=max(positions, default=0) + 1,
            label=data.label,
            image_url=data.image_url,
            image_type=content_type,
            image_data=raw,
            capacity=data.capacity,
            expires_at=data.expires_at,
        )
        await audit.record(
            actor,
            "live_code.target_add",
            "LiveCode",
            code.id,
            after={"targetId": target.id, "capacity": data.capacity, "label": data.label},
        )
    return target


async def update_target(
    target_id: int, changes: dict[str, Any], *, actor: StaffViewer
) -> LiveCodeTarget:
    """Change a target's capacity, expiry, label, position or switch it off (``active``)."""
    async with in_transaction():
        target = await _found(LiveCodeTarget, target_id, "target", lock=True)
        before = {"capacity": target.capacity, "expiresAt": target.expires_at.isoformat()}
        capacity = changes.get("capacity", target.capacity)
        expires_at = changes.get("expires_at", target.expires_at)
        label = changes.get("label", target.label)
        if "expires_at" in changes or "capacity" in changes or "label" in changes:
            _check_target(capacity, expires_at, label)
        if "expires_at" in changes:
            target.warned_expiring = False  # a new expiry deserves its own warning
        position = changes.get("position", target.position)
        if not 1 <= position <= MAX_TARGETS:
            raise _invalid(f"position is 1-{MAX_TARGETS}.", "position")
        target.update_from_dict(
            {
                "capacity": capacity,
                "expires_at": expires_at,
                "label": label,
                "position": position,
                "active": changes.get("active", target.active),
            }
        )
        await target.save()
        await audit.record(
            actor,
            "live_code.target_update",
            "LiveCode",
            target.live_code_id,  # type: ignore[attr-defined]
            before=before,
            after={"targetId": target.id, "capacity": capacity, "active": target.active},
        )
    return target


def targets_of(rows: Sequence[LiveCodeTarget]) -> list[rules.Target]:
    return [
        rules.Target(
            id=t.id,
            position=t.position,
            capacity=t.capacity,
            served=t.served,
            expires_at=t.expires_at,
            active=t.active,
            warned_expiring=t.warned_expiring,
        )
        for t in rows
    ]
