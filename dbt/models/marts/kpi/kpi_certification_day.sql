{#- One row per day, district and breakdown value while anything is in
    force or newly so: the certified enterprises in force on that day
    (stg_landing__certifications states the rule: in_force_from <= day <=
    in_force_until) and their employees, a stock, and those whose first
    day in force it is. Days run from the first with data to the data
    date, so "in force on" any of them, and "newly certified" over any
    range of them, read a bounded number of rows whatever the number of
    enterprises. `dimension` and `breakdown_key` as in kpi_legal_aid_day
    ('all': the district's whole list). -#}
{%- set dimensions = ['subdistrict', 'industry'] -%}

with certifications as (
    select
        *,
        -- false: ended before it began (revoked before certified), never
        -- in force, though it still counts as certified on its date
        coalesce(in_force_until >= in_force_from, false) as in_force_ends
    from {{ ref('fct_certifications') }}
    where in_force_from is not null
),

days as (
    select dim_date.date_day
    from {{ ref('dim_date') }} as dim_date
    cross join {{ ref('int_reporting_window') }} as window_
    where dim_date.date_day <= window_.data_date
),

{% for dimension in ['all'] + dimensions %}
    changes_{{ dimension }} as (
        select
            in_force_from as date_day,
            district_code,
            '{{ dimension }}' as dimension,
            {{ breakdown_key(dimension) }} as breakdown_key,
            case when in_force_ends then 1 else 0 end as enterprises,
            case when in_force_ends then employees else 0 end as employees,
            1 as newly
        from certifications
        union all
        select
            {{ date_shifted('in_force_until', 1, 'day') }} as date_day,
            district_code,
            '{{ dimension }}' as dimension,
            {{ breakdown_key(dimension) }} as breakdown_key,
            -1 as enterprises,
            -employees as employees,
            0 as newly
        from certifications
        where in_force_ends
    ),

{% endfor %}
changes as (
    select
        date_day,
        district_code,
        dimension,
        breakdown_key,
        sum(enterprises) as enterprises,
        coalesce(sum(employees), 0) as employees,
        sum(newly) as newly
    from (
        {{ union_of_breakdowns('changes_', ['all'] + dimensions) }}
    ) as all_changes
    group by date_day, district_code, dimension, breakdown_key
),

groups as (
    select distinct
        district_code,
        dimension,
        breakdown_key
    from changes
),

daily as (
    select
        days.date_day,
        groups.district_code,
        groups.dimension,
        groups.breakdown_key,
        sum(coalesce(changes.enterprises, 0)) over so_far
            as certified_in_force,
        sum(coalesce(changes.employees, 0)) over so_far
            as certified_workforce,
        coalesce(changes.newly, 0) as newly_certified
    from days
    cross join groups
    left join changes
        on days.date_day = changes.date_day
        and groups.district_code = changes.district_code
        and groups.dimension = changes.dimension
        and groups.breakdown_key is not distinct from changes.breakdown_key
    window so_far as (
        partition by
            groups.district_code, groups.dimension, groups.breakdown_key
        order by days.date_day
        rows between unbounded preceding and current row
    )
),

final as (
    select
        date_day,
        district_code,
        dimension,
        breakdown_key,
        cast(certified_in_force as integer) as certified_in_force,
        cast(certified_workforce as bigint) as certified_workforce,
        cast(newly_certified as integer) as newly_certified
    from daily
    where certified_in_force != 0 or newly_certified != 0
)

select * from final
