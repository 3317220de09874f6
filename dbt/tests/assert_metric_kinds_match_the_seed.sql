-- The metrics seed (names, labels and kind for the pages) and
-- macros/kpi_metrics.sql (the names and kinds the models compute by)
-- list the same metrics with the same kinds: any metric in one and not
-- the other, or of another kind, is a failing row.
with seeded as (
    select
        metric,
        kind
    from {{ ref('metrics') }}
),

defined as (
    {%- for metric, about in kpi_metrics().items() %}
        select
            '{{ metric }}' as metric,
            '{{ about.kind }}' as kind
        {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        coalesce(seeded.metric, defined.metric) as metric,
        seeded.kind as seeded_kind,
        defined.kind as defined_kind
    from seeded
    full outer join defined on seeded.metric = defined.metric
    where
        seeded.metric is null
        or defined.metric is null
        or seeded.kind != defined.kind
)

select * from final
