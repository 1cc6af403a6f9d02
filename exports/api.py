"""Exports through the API: ask for one (202, written in the background) and follow it until
its file can be downloaded. The rows are the caller's own scope, as on the list pages."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import acting_user
from core.api import InputSerializer, error_responses, object_body
from exports import selectors, services
from exports.kinds import kind_names
from exports.models import ExportJob
from exports.views import CONTENT_TYPES, export_file_response


class ExportInput(InputSerializer):
    kind = serializers.ChoiceField(
        choices=[], help_text="The list: applications, assessments, certificates, ..."
    )
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    filters = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        required=False,
        help_text="The list page's filters, as its query string holds them "
        '(name: list of values, e.g. {"tier": ["basic"]}).',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, serializers.ChoiceField)
        kind.choices = kind_names()


class ExportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)
    status = serializers.ChoiceField(choices=ExportJob.Status.choices)
    rows_written = serializers.IntegerField()
    rows_total = serializers.IntegerField(
        allow_null=True, help_text="Null until the rows are counted."
    )
    percent = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="When the download link stops working."
    )
    download_url = serializers.CharField(
        allow_null=True,
        help_text="When done and not expired: where the same user downloads the file "
        "(GET /api/v1/exports/{id}/file/, with the same credentials).",
    )


def _data(request: Request, job: ExportJob) -> dict[str, Any]:
    ready = job.status == ExportJob.Status.DONE and bool(job.file)
    url = None
    if ready and not selectors.export_link_expired(job):
        url = request.build_absolute_uri(reverse("export-file-api", kwargs={"pk": job.pk}))
    return {
        "id": job.pk,
        "kind": job.kind,
        "format": job.format,
        "status": job.status,
        "rows_written": job.rows_written,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at,
        "download_url": url,
    }


class ExportList(APIView):
    @extend_schema(
        request=ExportInput,
        responses={202: ExportOutput, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        body = ExportInput(data=object_body(request))
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = services.export_job_create(
            actor=acting_user(request),
            kind=data["kind"],
            format=data["format"],
            filters=data.get("filters") or {},
            language=get_language() or "",
        )
        return Response(ExportOutput(_data(request, job)).data, status=status.HTTP_202_ACCEPTED)


class ExportDetail(APIView):
    @extend_schema(responses={200: ExportOutput, **error_responses(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        job = selectors.export_job_get_for(acting_user(request), pk)
        return Response(ExportOutput(_data(request, job)).data)


class JsonErrors(DefaultContentNegotiation):
    """The file endpoint answers a file, or an error in JSON whatever ``Accept`` asks for (a
    client asking for the spreadsheet still reads why it cannot have it)."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ExportFile(APIView):
    content_negotiation_class = JsonErrors

    @extend_schema(
        responses={
            (200, CONTENT_TYPES[ExportJob.Format.CSV].split(";")[0]): OpenApiTypes.BINARY,
            (200, CONTENT_TYPES[ExportJob.Format.XLSX]): OpenApiTypes.BINARY,
            **error_responses(401, 404, 410),
        },
        description="The export's file, to the user who asked for it: 404 for anyone else or "
        "while it is not done, 410 once its link has expired.",
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        return export_file_response(selectors.export_file_for(acting_user(request), pk))
