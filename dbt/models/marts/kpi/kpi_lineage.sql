-- Where each KPI is made, from the project's own graph (the manifest
-- dbt builds from the models and their YAML), so the Definitions page
-- never keeps a typed copy: one row per metric and model that holds it,
-- as a column (kpi_district_month, kpi_city_month), as rows of a metric
-- column (kpi_year_to_date, kpi_district_year, ...) or, for a ratio, as
-- its two parts (kpi_legal_aid_day, kpi_certification_campaign), with the
-- model's parents, its data tests and its page in the dbt docs site.
-- dbt's graph exists only when dbt compiles; sqlfluff's jinja lint has none.
-- noqa: disable=TMP
{%- set rows = [] %}
{%- if execute and graph is defined %}
    {%- set metrics = kpi_metrics() %}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.package_name == project_name
        and node.name.startswith('kpi_')
        and node.name not in [model.name, 'kpi_definitions'] %}
        {%- set columns = node.columns.keys() | list %}
        {%- set parents = [] %}
        {%- for parent in node.depends_on.nodes %}
            {%- do parents.append(parent.split('.')[-1]) %}
        {%- endfor %}
        {%- set tests = [] %}
        {%- for test in graph.nodes.values()
            if test.resource_type == 'test'
            and node.unique_id in test.depends_on.nodes %}
            {%- do tests.append(test.name) %}
        {%- endfor %}
        {#- a model of rows per metric holds the metrics of the kinds its
            meta names (metric_kinds), or else every metric; a model with
            both parts of a ratio as columns holds the ratio (the pages
            divide them there) -#}
        {%- set kinds = node.config.meta.get('metric_kinds') %}
        {%- for metric, about in metrics.items()
            if metric in columns
            or ('metric' in columns and (not kinds or about['kind'] in kinds))
            or (about.parts is defined
                and about.parts | reject('in', columns) | list | length == 0) %}
            {%- do rows.append({
                'metric': metric,
                'model': node.name,
                'parents': parents | sort | join(', '),
                'tests': tests | sort | join(', '),
                'docs_anchor': '#!/model/' ~ node.unique_id,
            }) %}
        {%- endfor %}
    {%- endfor %}
{%- endif %}
-- noqa: enable=TMP

with lineage as (
    {%- for row in rows | sort(attribute='model') | sort(attribute='metric') %}
        select
            '{{ row.metric }}' as metric,
            '{{ row.model }}' as model_name,
            '{{ row.parents }}' as parent_models,
            '{{ row.tests }}' as data_tests,
            '{{ row.docs_anchor }}' as docs_anchor
        {{ 'union all' if not loop.last }}
    {%- else %}
        select
            cast(null as varchar) as metric,
            cast(null as varchar) as model_name,
            cast(null as varchar) as parent_models,
            cast(null as varchar) as data_tests,
            cast(null as varchar) as docs_anchor
        where 1 = 0
    {%- endfor %}
),

final as (
    select
        cast(metric as varchar) as metric,
        cast(model_name as varchar) as model_name,
        cast(parent_models as varchar) as parent_models,
        cast(data_tests as varchar) as data_tests,
        cast(docs_anchor as varchar) as docs_anchor
    from lineage
)

select * from final
