{#- The latest version of each key among `rows` (the name of a CTE of
    landing rows, each with load_id, load_seq and source_row): rows of
    withdrawn loads left out (base_landing__withdrawals), then for each
    combination of `key_columns` the row of the newest load and, within one
    load, the file's last. Every staging model of the landing rows takes
    them through here, so this rule is written once; with load_seq among
    the key columns it keeps every version (one per load) instead.

    Fed only the rows of newer loads (macros/only_newer_loads.sql), it gives
    the keys those loads brought, each at its newest version, to replace the
    kept rows by the model's unique key.

    Portable SQL (a ranked subquery rather than DuckDB's qualify). The
    result carries version_rank (always 1), for the caller to leave out. -#}
{% macro latest_versions(rows, key_columns) -%}
    select ranked.*
    from (
        select
            versions.*,
            row_number() over (
                partition by versions.{{ key_columns | join(', versions.') }}
                order by versions.load_seq desc, versions.source_row desc
            ) as version_rank
        from {{ rows }} as versions
        where versions.load_id not in (
            select withdrawn.load_id
            from {{ ref('base_landing__withdrawals') }} as withdrawn
        )
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}
