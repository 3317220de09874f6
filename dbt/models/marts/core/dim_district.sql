with districts as (
    select * from {{ ref('districts') }}
),

unknown as (
    select
        '{{ var("unknown_district_code") }}' as district_code,
        '未知区' as district_name_zh,
        '未知' as short_name_zh,
        'Unknown' as district_name_en,
        false as is_district
),

final as (
    select
        district_code,
        district_name_zh,
        short_name_zh,
        district_name_en,
        true as is_district
    from districts
    union all
    select * from unknown
)

select * from final
