with subdistricts as (
    select * from {{ ref('subdistricts') }}
),

districts as (
    select * from {{ ref('dim_district') }}
),

-- every district also gets an "unknown" street, so a case whose street is
-- blank or not in the list still has a member to join to
unknown as (
    select
        district_code,
        '未填或未知街镇' as subdistrict_name_zh,
        'Unknown subdistrict' as subdistrict_name_en,
        false as is_known
    from districts
),

final as (
    select
        district_code,
        subdistrict_name_zh,
        subdistrict_name_en,
        true as is_known
    from subdistricts
    union all
    select * from unknown
)

select * from final
