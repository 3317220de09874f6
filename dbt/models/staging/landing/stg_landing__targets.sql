with targets as (
    select * from {{ source('landing', 'target') }}
),

latest as (
    {{ latest_versions('targets', ['year', 'district_code', 'metric']) }}
),

final as (
    select
        year,
        district_code,
        metric,
        cast(target as double precision) as target,
        load_id
    from latest
)

select * from final
