-- One row per industry name a district may write in a return: the full
-- GB/T 4754 section name, its short form and its English name, each with
-- its section code. The facts look their free-text industry up here.
with industries as (
    select * from {{ ref('industries') }}
),

final as (
    select
        industry_code,
        industry_name_zh as industry_name
    from industries
    union
    select
        industry_code,
        short_name_zh as industry_name
    from industries
    union
    select
        industry_code,
        industry_name_en as industry_name
    from industries
)

select * from final
