{#- On an incremental run (a build that starts from the published warehouse;
    ingest/publish.py decides when that is safe), only the rows of loads
    newer than every row already in the model. Over the landing rows, that
    is what arrived since; over a model of the latest version of each key,
    it is the keys whose latest version came since (a key's latest version
    comes from a newer load exactly when a newer load has the key). Either
    way they replace the kept rows by the model's unique key. A full build
    takes every row. -#}
{% macro only_newer_loads() -%}
    {%- if is_incremental() %}
        where load_seq > (
            select coalesce(max(built.load_seq), 0) from {{ this }} as built
        )
    {%- endif %}
{%- endmacro %}
