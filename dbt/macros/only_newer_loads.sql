{#- On an incremental run (a build that starts from the published warehouse;
    unionkpi/publish.py decides when that is safe), only the rows of loads
    newer than every row already in the model. Over the landing rows, that
    is what arrived since; over a model of the latest version of each key,
    it is the keys whose latest version came since (a key's latest version
    comes from a newer load exactly when a newer load has the key). Either
    way they replace the kept rows by the model's unique key. A full build
    takes every row. The newest load is looked up before the query and
    written into it as a number, which DuckDB can push down to the scan
    (skipping the row groups of older loads); a subquery it cannot. -#}
{% macro only_newer_loads() -%}
    {%- if is_incremental() %}
        where load_seq > {{ newest_load_seq(this) }}
    {%- endif %}
{%- endmacro %}
