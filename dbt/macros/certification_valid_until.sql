{#- A certificate's last valid day: the one the return gives, else the
    default the submission template promises, certification_validity_years
    (dbt_project.yml) after the certified date. Both staging models of
    certification rows (the latest version and every version) use it, so
    the default has this one definition. -#}
{% macro certification_valid_until(valid_until, certified_date) -%}
    coalesce(
        {{ valid_until }},
        cast({{ dbt.dateadd(
            'year', var('certification_validity_years'), certified_date
        ) | trim }} as date)
    )
{%- endmacro %}
