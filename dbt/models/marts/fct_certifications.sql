with certifications as (
    select * from {{ ref('stg_landing__certifications') }}
),

final as (
    select
        enterprise_uscc,
        campaign_year,
        district_code,
        enterprise_name,
        subdistrict,
        industry,
        employees,
        score,
        status,
        certified_date,
        valid_until,
        revoked_date,
        load_id,
    from certifications
)

select * from final
