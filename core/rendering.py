"""Fast rendering of the API's read-only outputs, byte for byte what DRF would render.

DRF renders a row by walking its serializer's fields, each reading its attribute and converting
it, and a serializer copies all of its fields (``copy.deepcopy``) the first time it is used. On a
page of rows, or a lookup that costs one indexed query, that machinery is most of the time of the
request. Here the way from an object to each value is worked out once (per class where the fields
cannot depend on the request, else once per page), and each value still goes through its field's
own ``to_representation``, except the two conversions that are pure (a primary key of a related
row, an aware datetime in ISO 8601), which are done without DRF's per-value lookups of settings
and the active time zone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PrimaryKeyRelatedField, RelatedField
from rest_framework.settings import api_settings

# One field of a plan: (output name, attribute path or None for DRF's own way, the field, a pure
# conversion or None for the field's own to_representation).
PlanItem = tuple[str, tuple[str, ...] | None, Any, Callable[[Any], Any] | None]

_NOT_CACHEABLE = object()


def _plain_iso_datetime(field: serializers.DateTimeField) -> bool:
    """Whether the field renders an aware datetime as DRF's default does (ISO 8601 in the
    active time zone), with no format or time zone of its own."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    return (
        settings.USE_TZ
        and isinstance(output_format, str)
        and output_format.lower() == ISO_8601
        and not hasattr(field, "timezone")
    )


def _field_plan(field: Any) -> PlanItem:
    name = str(field.field_name)
    if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
        # DRF renders the key stored on the row itself (``<source>_id``), never the related row.
        attname = _attname(getattr(field.parent, "Meta", None), str(field.source))
        if attname is not None:
            return name, (attname,), field, _same
    if isinstance(field, serializers.SerializerMethodField):
        # The serializer's own method, called on the live serializer (its context included).
        return name, None, field, _METHOD
    drf_way = RelatedField | serializers.BaseSerializer
    if field.source == "*" or isinstance(field, drf_way):
        return name, None, field, None
    if isinstance(field, serializers.DateTimeField) and _plain_iso_datetime(field):
        return name, tuple(field.source_attrs), field, _ISO_DATETIME
    return name, tuple(field.source_attrs), field, None


def _attname(meta: Any, source: str) -> str | None:
    model = getattr(meta, "model", None)
    if model is None or "." in source:
        return None
    try:
        return str(model._meta.get_field(source).attname)
    except Exception:  # not a model field: let DRF read it
        return None


def _same(value: Any) -> Any:
    return value


def _METHOD(value: Any) -> Any:  # noqa: N802  # a marker, see _render
    """A marker: the value is the serializer's ``get_<name>`` method's for the row."""
    raise NotImplementedError


def _ISO_DATETIME(value: Any) -> Any:  # noqa: N802  # a marker, see _render
    """A marker: this conversion needs the active time zone, looked up once per render."""
    raise NotImplementedError


def iso_datetime(value: datetime, zone: tzinfo) -> str:
    """An aware datetime as DRF's ``DateTimeField`` writes it (ISO 8601 in ``zone``, the
    current time zone; UTC as ``Z``), without the field's lookups of settings and time zone
    for every value."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _render(plan: list[PlanItem], rows: Iterable[Any], serializer: Any) -> list[dict[str, Any]]:
    zone = timezone.get_current_timezone()

    def iso(value: Any) -> Any:
        if not isinstance(value, datetime) or timezone.is_naive(value):
            return None
        return iso_datetime(value, zone)

    output = []
    for instance in rows:
        row: dict[str, Any] = {}
        for name, path, field, convert in plan:
            if convert is _METHOD:
                row[name] = getattr(serializer, field.method_name)(instance)
                continue
            if path is None:
                value = field.get_attribute(instance)
            else:
                value = instance
                for attribute in path:
                    value = getattr(value, attribute)
                    if value is None:
                        break
                if callable(value):  # a method named as the source, as DRF allows
                    value = value()
            if value is None:
                row[name] = None
            elif convert is _ISO_DATETIME:
                text = iso(value)
                row[name] = field.to_representation(value) if text is None else text
            elif convert is not None:
                row[name] = convert(value)
            else:
                row[name] = field.to_representation(value)
        output.append(row)
    return output


def _class_plan(serializer_class: type) -> list[PlanItem] | None:
    """The plan of an output class whose fields cannot depend on the request other than through
    its methods (no nested serializers, no related fields other than primary keys), built once;
    else None."""
    plan = CachedFieldsMixin._plans.get(serializer_class, _NOT_CACHEABLE)
    if plan is _NOT_CACHEABLE:
        template = serializer_class()
        items = [_field_plan(field) for field in template._readable_fields]
        reads = all(path is not None or convert is _METHOD for _n, path, _f, convert in items)
        plan = items if reads else None
        CachedFieldsMixin._plans[serializer_class] = plan
    return plan  # type: ignore[return-value]


class FastListSerializer(serializers.ListSerializer):
    """Renders a page of rows exactly as the child serializer would (see the module). For
    read-only list outputs: a serializer opts in with ``Meta.list_serializer_class``."""

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        rows = data.all() if hasattr(data, "all") else data
        child: Any = self.child
        plan = _class_plan(type(child)) if isinstance(child, CachedFieldsMixin) else None
        if plan is None:
            plan = [_field_plan(field) for field in child._readable_fields]
        return _render(plan, rows, child)


class CachedFieldsMixin:
    """For read-only ModelSerializer outputs: the fields built from the model once per class and
    copied for each serializer (as DRF copies declared fields), instead of introspecting the
    model for every serializer made; and, where the fields cannot depend on the request, one
    object rendered by the class's plan without copying the fields at all. Output classes only."""

    _built_fields: ClassVar[dict[type, dict[str, serializers.Field]]] = {}
    _plans: ClassVar[dict[type, Any]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = CachedFieldsMixin._built_fields.get(cls)
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            CachedFieldsMixin._built_fields[cls] = built
        return copy.deepcopy(built)

    def to_representation(self, instance: Any) -> Any:
        plan = _class_plan(type(self))
        if plan is None:
            return super().to_representation(instance)  # type: ignore[misc]
        return _render(plan, (instance,), self)[0]
