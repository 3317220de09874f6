{#- One row per combination of `columns`.

    On an incremental model, an incremental build checks only the rows that
    share a key (the columns here that are in the model's unique_key) with a
    row from a load newer than the published build's newest (build.basis,
    which unionkpi/publish.py writes into the build file before dbt runs;
    on PostgreSQL the build's own schema of that name).
    delete+insert rewrote exactly those keys' rows; every other row is the
    published build's, which passed this test, so a repeat can only be
    among the rows checked. -#}
{% test unique_combination(model, columns) %}
    {%- set key = [] -%}
    {%- if execute -%}
        {%- set tested = graph.nodes.values()
            | selectattr("relation_name", "equalto", model | string)
            | first -%}
        {%- set unique_key = tested.config.unique_key or [] -%}
        {%- set unique_key = [unique_key] if unique_key is string else unique_key -%}
        {%- if tested.config.materialized == "incremental" -%}
            {%- set after = run_query(
                "select after_load_seq from "
                ~ adapter.quote(model.database) ~ "."
                ~ generate_schema_name("build", none) ~ ".basis"
            ).columns[0].values()[0] -%}
            {%- if after is not none -%}
                {%- set key = columns | select("in", unique_key) | list -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif %}
select {{ columns | join(', ') }}, count(*) as copies
from {{ model }}
{%- if key %}
where ({{ key | join(', ') }}) in (
    select {{ key | join(', ') }} from {{ model }}
    where load_seq > {{ after }}
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
