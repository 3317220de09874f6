with districts as (
    select * from {{ ref('dim_district') }}
    where is_district
),

months as (
    select * from {{ ref('int_months_spanned') }}
),

-- the days' parts, each defined once there (the subject pages read them
-- too); counts stay bigint, as counted from the facts
legal_aid_days as (
    select * from {{ ref('kpi_legal_aid_day') }}
    where dimension = 'all'
),

wage_days as (
    select * from {{ ref('kpi_wage_day') }}
    where dimension = 'all'
),

certifications as (
    select * from {{ ref('fct_certifications') }}
),

in_force as (
    select * from {{ ref('int_certifications_in_force_monthly') }}
),

spine as (
    select
        districts.district_code,
        months.month
    from districts cross join months
),

legal_aid_by_month as (
    select
        district_code,
        cast(date_trunc('month', date_day) as date) as month,
        cast(sum(legal_aid_cases) as bigint) as legal_aid_cases,
        sum(legal_aid_workers) as legal_aid_workers,
        cast(sum(legal_aid_closed) as bigint) as legal_aid_closed,
        cast(sum(legal_aid_mediated) as bigint) as legal_aid_mediated,
        sum(legal_aid_recovered_yuan) as legal_aid_recovered_yuan,
        cast(sum(legal_aid_collective_cases) as bigint)
            as legal_aid_collective_cases,
        sum(legal_aid_new_form_workers) as legal_aid_new_form_workers,
        cast(sum(legal_aid_closed_dated) as bigint) as legal_aid_closed_dated,
        sum(legal_aid_days_to_close) as legal_aid_days_to_close,
        sum(legal_aid_workdays_to_close) as legal_aid_workdays_to_close
    from legal_aid_days
    group by district_code, month
),

wages_by_month as (
    select
        district_code,
        cast(date_trunc('month', date_day) as date) as month,
        cast(sum(wage_cases) as bigint) as wage_cases,
        sum(wage_workers) as wage_workers,
        sum(wages_recovered_yuan) as wages_recovered_yuan,
        sum(wages_owed_yuan) as wages_owed_yuan,
        cast(sum(wage_resolved_dated) as bigint) as wage_resolved_dated,
        sum(wage_days_to_resolve) as wage_days_to_resolve
    from wage_days
    group by district_code, month
),

certified_by_month as (
    select
        district_code,
        cast(date_trunc('month', certified_date) as date) as month,
        count(*) as certified_enterprises
    from certifications
    where status = '达标'
    group by district_code, month
),

final as (
    select
        spine.district_code,
        spine.month,
        coalesce(legal_aid_by_month.legal_aid_cases, 0) as legal_aid_cases,
        coalesce(legal_aid_by_month.legal_aid_workers, 0)
            as legal_aid_workers,
        coalesce(legal_aid_by_month.legal_aid_closed, 0) as legal_aid_closed,
        coalesce(legal_aid_by_month.legal_aid_mediated, 0)
            as legal_aid_mediated,
        cast(coalesce(
            legal_aid_by_month.legal_aid_recovered_yuan, 0
        ) as decimal(18, 2)) as legal_aid_recovered_yuan,
        coalesce(wages_by_month.wage_cases, 0) as wage_cases,
        coalesce(wages_by_month.wage_workers, 0) as wage_workers,
        cast(coalesce(
            wages_by_month.wages_recovered_yuan, 0
        ) as decimal(18, 2)) as wages_recovered_yuan,
        cast(coalesce(
            wages_by_month.wages_owed_yuan, 0
        ) as decimal(18, 2)) as wages_owed_yuan,
        coalesce(wages_by_month.wage_resolved_dated, 0) as wage_resolved_dated,
        coalesce(wages_by_month.wage_days_to_resolve, 0)
            as wage_days_to_resolve,
        coalesce(certified_by_month.certified_enterprises, 0)
            as certified_enterprises,
        coalesce(legal_aid_by_month.legal_aid_collective_cases, 0)
            as legal_aid_collective_cases,
        coalesce(legal_aid_by_month.legal_aid_new_form_workers, 0)
            as legal_aid_new_form_workers,
        coalesce(legal_aid_by_month.legal_aid_closed_dated, 0)
            as legal_aid_closed_dated,
        coalesce(legal_aid_by_month.legal_aid_days_to_close, 0)
            as legal_aid_days_to_close,
        coalesce(legal_aid_by_month.legal_aid_workdays_to_close, 0)
            as legal_aid_workdays_to_close,
        coalesce(in_force.certified_in_force, 0) as certified_in_force,
        coalesce(in_force.certified_workforce, 0) as certified_workforce
    from spine
    left join legal_aid_by_month
        on spine.district_code = legal_aid_by_month.district_code
        and spine.month = legal_aid_by_month.month
    left join wages_by_month
        on spine.district_code = wages_by_month.district_code
        and spine.month = wages_by_month.month
    left join certified_by_month
        on spine.district_code = certified_by_month.district_code
        and spine.month = certified_by_month.month
    left join in_force
        on spine.district_code = in_force.district_code
        and spine.month = in_force.month
)

select * from final
