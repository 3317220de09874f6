-- One row per district and month-end: certified enterprises in force on
-- that day (certified on or before it, valid until on or after it, not
-- revoked by then) and their workforce, from the latest versions.
with certifications as (
    select * from {{ ref('stg_landing__certifications') }}
),

month_ends as (
    select * from {{ ref('int_months_spanned') }}
),

final as (
    select
        certifications.district_code,
        month_ends.month,
        count(*) as certified_in_force,
        coalesce(sum(certifications.employees), 0) as certified_workforce
    from certifications
    inner join month_ends
        on certifications.certified_date <= month_ends.month_end
        and certifications.valid_until >= month_ends.month_end
        and (
            certifications.revoked_date is null
            or certifications.revoked_date > month_ends.month_end
        )
    where certifications.status in ('达标', '撤销')
    group by certifications.district_code, month_ends.month
)

select * from final
