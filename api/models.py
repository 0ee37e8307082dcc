"""The argument map's tables: maps, statements, links and their ordered premises.

Rules the database can hold are ``Meta.constraints``; the rest live in ``api.services``,
which every entry point (API, admin, import commands) writes through.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, Func, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Lower
from simple_history.models import HistoricalRecords

from api.graph.model import ROLE_FLAGS, Role, role_of
from api.graph.validate import url_problem


def validate_source_url(value: str) -> None:
    """The rule of a map's web address (``api.graph.validate.url_problem``), for forms."""
    problem = url_problem(value)
    if problem:
        raise ValidationError(problem, code="invalid")


class ArgumentMapQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ArgumentMapQuerySet":
        """Maps this user may read: public ones, their own, and all of them for staff."""
        if user is not None and user.is_staff:
            return self
        if user is None or not user.is_authenticated:
            return self.filter(is_private=False)
        return self.filter(Q(is_private=False) | Q(owner=user))

    def with_counts(self) -> "ArgumentMapQuerySet":
        """Annotate ``n_statements`` and ``n_links`` as subqueries (no join, no N+1)."""

        def count(model) -> Coalesce:
            rows = model.objects.filter(map=OuterRef("pk")).order_by().values("map")
            return Coalesce(
                Subquery(
                    rows.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField()
                ),
                0,
            )

        return self.annotate(n_statements=count(Statement), n_links=count(Link))


class ArgumentMap(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    source_title = models.CharField(max_length=500, blank=True)
    source_author = models.CharField(max_length=300, blank=True)
    source_date = models.DateField(null=True, blank=True)
    source_url = models.CharField(max_length=1000, blank=True, validators=[validate_source_url])
    source_text = models.TextField(blank=True, help_text="The full text that quotes point into.")
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped on every change to the map or its parts."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="argument_maps",
        help_text="Who may change the map besides staff. A map without owner is staff's.",
    )
    is_private = models.BooleanField(
        default=False, help_text="Private maps are seen only by their owner and staff."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArgumentMapQuerySet.as_manager()
    # Set on maps from ``ArgumentMap.objects.with_counts()``.
    n_statements: int
    n_links: int
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            # Slugs that differ only in case never stand side by side (services.maps).
            models.UniqueConstraint(
                Lower("slug"),
                name="map_slug_unique_in_any_case",
                violation_error_code="unique",
                violation_error_message="A map with this slug, in another case, already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/api/maps/{self.slug}/"

    def can_edit(self, user) -> bool:
        """Whether this user may change the map or anything in it."""
        if user is None or not user.is_authenticated:
            return False
        return user.is_staff or (self.owner_id is not None and self.owner_id == user.pk)


class FormerSlug(models.Model):
    """A slug a map had before it was renamed. Its URLs answer a redirect to the map under
    its slug now, for whoever may see the map, until a map takes the slug again (a new
    map, or this one renamed back) or the map is deleted."""

    slug = models.SlugField(max_length=100, unique=True)
    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="former_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug


def statement_search_document() -> Func:
    """What a statement search looks in: the text, the quote and the attribution, joined by
    spaces (a searched word has none, so it never matches across two fields). On
    PostgreSQL a trigram index covers this expression as ``icontains`` upper-cases it
    (migration 0004, which keeps its own copy of it)."""
    return Func(
        F("text"),
        Value(" "),
        F("quote"),
        Value(" "),
        F("attributed_to"),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=TextField(),
    )


class StatementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StatementQuerySet":
        return self.filter(map__in=ArgumentMap.objects.visible_to(user))

    def search(self, words: list[str]) -> "StatementQuerySet":
        """Statements that contain every one of ``words`` (any case) in their text, quote
        or attribution: one ``LIKE`` a word, through the trigram index on PostgreSQL. The
        caller bounds the words (``api.filters.SearchField``)."""
        queryset = self.alias(search_document=statement_search_document())
        for word in dict.fromkeys(words):  # a word given twice is looked for once
            queryset = queryset.filter(search_document__icontains=word)
        return queryset

    def with_role_flags(self) -> "StatementQuerySet":
        """Annotate ``is_target`` and ``is_premise``, from which the role follows."""
        return self.annotate(
            is_target=Exists(Link.objects.filter(conclusion=OuterRef("pk"))),
            is_premise=Exists(LinkPremise.objects.filter(statement=OuterRef("pk"))),
        )

    def with_role(self, role: str) -> "StatementQuerySet":
        """The statements with this role, filtered in the database by the flags that
        ``api.graph.model.role_of`` maps to it."""
        is_target, is_premise = ROLE_FLAGS[Role(role)]
        return self.with_role_flags().filter(is_target=is_target, is_premise=is_premise)


class Statement(models.Model):
    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="statements")
    text = models.TextField(help_text="The claim in the analyst's words.")
    quote = models.TextField(blank=True, help_text="Verbatim passage of the source text.")
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    attributed_to = models.CharField(
        max_length=200, blank=True, help_text="Who asserts it, when it is not the author."
    )
    base_score = models.FloatField(
        default=0.5, help_text="Prior strength in [0, 1] for gradual evaluation (DF-QuAD)."
    )
    note = models.TextField(
        blank=True, help_text="The analyst's remark for coaches: a tension, an implied claim."
    )

    objects = StatementQuerySet.as_manager()
    # Set by ``with_role_flags()`` or ``api.selectors.statements_attach_roles``.
    is_target: bool
    is_premise: bool
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="statement_quote_offsets_together",
                condition=(Q(quote_start__isnull=True) & Q(quote_end__isnull=True))
                | (Q(quote_start__isnull=False) & Q(quote_end__isnull=False)),
            ),
            models.CheckConstraint(
                name="statement_quote_offsets_ordered",
                condition=Q(quote_start__isnull=True) | Q(quote_start__lte=models.F("quote_end")),
            ),
            models.CheckConstraint(name="statement_text_not_empty", condition=~Q(text="")),
            models.CheckConstraint(
                name="statement_base_score_in_unit_interval",
                condition=Q(base_score__gte=0) & Q(base_score__lte=1),
            ),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:79] + "…"
        return f"#{self.pk} {text}"

    @property
    def role(self) -> str:
        """The derived role; uses the ``with_role_flags`` annotations when present."""
        is_target = getattr(self, "is_target", None)
        is_premise = getattr(self, "is_premise", None)
        if is_target is None:
            is_target = self.conclusion_of.exists()
        if is_premise is None:
            is_premise = self.premise_of.exists()
        return role_of(is_target=is_target, is_premise=is_premise).value


class LinkKind(models.TextChoices):
    SUPPORT = "support", "Support"
    OPPOSE = "oppose", "Oppose"


class LinkQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LinkQuerySet":
        return self.filter(map__in=ArgumentMap.objects.visible_to(user))


class Link(models.Model):
    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    premises = models.ManyToManyField(
        Statement, through="LinkPremise", related_name="premise_links"
    )
    conclusion = models.ForeignKey(
        Statement,
        null=True,
        blank=True,
        # RESTRICT, not PROTECT: deleting a whole map takes its links and statements together.
        on_delete=models.RESTRICT,
        related_name="conclusion_of",
    )
    target_link = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # An undercutter has no meaning without the link it attacks. The services refuse
        # to delete an undercut link unless asked to cascade.
        on_delete=models.CASCADE,
        related_name="undercutters",
        help_text="The link whose inference this one attacks (an undercutter).",
    )
    scheme = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    objects = LinkQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="link_exactly_one_target",
                condition=(Q(conclusion__isnull=False) & Q(target_link__isnull=True))
                | (Q(conclusion__isnull=True) & Q(target_link__isnull=False)),
            ),
            models.CheckConstraint(name="link_kind_valid", condition=Q(kind__in=LinkKind.values)),
            models.CheckConstraint(
                name="link_not_own_target",
                condition=Q(target_link__isnull=True) | ~Q(target_link=models.F("pk")),
            ),
        ]

    def __str__(self) -> str:
        """``#2 + #3 → #4``; an objection ends in ``(oppose)``; an undercutter points at
        the link it attacks: ``#7 → (#2 + #3 → #4) (oppose)``. Reads ``premise_rows``
        (prefetch them, ordered by position, when naming many links)."""
        return f"{self._inference(nested=True)}{' (oppose)' if self.kind == 'oppose' else ''}"

    def _inference(self, *, nested: bool) -> str:
        rows = sorted(self.premise_rows.all(), key=lambda r: r.position) if self.pk else []
        premises = " + ".join(f"#{row.statement_id}" for row in rows) or "(no premises)"
        attacked = None
        if self.target_link_id and nested:
            try:
                attacked = self.target_link
            except Link.DoesNotExist:  # an old version's target, since deleted
                attacked = None
        if self.conclusion_id:
            target = f"#{self.conclusion_id}"
        elif attacked is not None:
            target = f"({attacked._inference(nested=False)})"
        else:
            target = f"link {self.target_link_id}"
        return f"{premises} → {target}"


class LinkPremise(models.Model):
    """One premise of a link, in order. Premises of one link are co-premises."""

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="premise_rows")
    statement = models.ForeignKey(Statement, on_delete=models.RESTRICT, related_name="premise_of")
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["link_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["link", "statement"], name="premise_unique_in_link"),
        ]

    def __str__(self) -> str:
        return f"premise {self.position} of link {self.link_id}: #{self.statement_id}"


class JobState(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(models.TextChoices):
    DIAGRAM = "diagram"  # a handout or deck of a big map (docs/jobs.md)
    IMPORT = "import"  # a big file's statements and links written into its new map


ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """Jobs of the maps this user may read: a private map's job is its owner's and
        staff's, as the map is."""
        return self.filter(map__in=ArgumentMap.objects.visible_to(user))

    def active(self) -> "JobQuerySet":
        return self.filter(state__in=ACTIVE_JOB_STATES)


class Job(models.Model):
    """Work too long for a request, done by a worker of the task queue (``api.tasks``): a
    big map's handout or slide deck, or a big file's import into its new map. Its state,
    progress and result are read at ``/api/jobs/{id}/``. Written through
    ``api.services.jobs``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=JobKind.choices, default=JobKind.DIAGRAM)
    map = models.ForeignKey(ArgumentMap, on_delete=models.CASCADE, related_name="jobs")
    map_version = models.PositiveIntegerField(
        help_text="The version of the map drawn, or made for the import."
    )
    fmt = models.CharField(
        max_length=10,
        blank=True,
        help_text="The diagram's format (pdf, svg, png, dot); the file's, if forced (import).",
    )
    params = models.JSONField(
        default=dict, help_text="The diagram's options; the file's name and companion text."
    )
    upload = models.BinaryField(
        null=True, blank=True, editable=False, help_text="The file to import (import)."
    )
    key = models.CharField(
        max_length=200,
        help_text="The diagram's cache key: one job per map version and options ('import').",
    )
    requester = models.CharField(
        max_length=200, help_text="Who asked (user:<id> or ip:<address>), for the limits."
    )
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    # Pages laid out of pages (a diagram); rows written of rows (an import).
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    result = models.BinaryField(
        null=True,
        blank=True,
        editable=False,
        help_text="The diagram's file; the import's report (JSON).",
    )
    notices = models.TextField(blank=True, help_text="Limits met while drawing it.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["map", "key", "map_version"]),
            models.Index(fields=["state", "requester"]),
        ]
        constraints = [
            # One job draws a map version's diagram, however many ask at once; a failed
            # one may be followed by another (asked again).
            models.UniqueConstraint(
                fields=["map", "map_version", "key"],
                condition=~models.Q(state="failed"),
                name="job_one_per_diagram",
            ),
        ]

    def __str__(self) -> str:
        what = "import" if self.kind == JobKind.IMPORT else self.fmt
        return f"{what} of {self.map_id} v{self.map_version}: {self.state}"
