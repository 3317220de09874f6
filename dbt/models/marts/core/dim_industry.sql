-- One row per industry section (门类) of GB/T 4754-2017, A to T, and an
-- unknown member (X) for a blank industry or one the classification does
-- not name, so that a lookup never silently drops rows.
with industries as (
    select * from {{ ref('industries') }}
),

unknown as (
    select
        'X' as industry_code,
        '未填或未知行业' as industry_name_zh,
        '未知' as short_name_zh,
        'Unknown or blank industry' as industry_name_en,
        false as is_known
),

final as (
    select
        industry_code,
        industry_name_zh,
        short_name_zh,
        industry_name_en,
        true as is_known
    from industries
    union all
    select * from unknown
)

select * from final
