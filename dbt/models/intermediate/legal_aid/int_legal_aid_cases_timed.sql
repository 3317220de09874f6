-- One row per legal-aid case (latest version) with its days to close in
-- calendar days and in working days (receipt day excluded, closing day
-- included), from the shipped holiday calendar.
with cases as (
    select * from {{ ref('stg_landing__legal_aid_cases') }}
),

dates as (
    select * from {{ ref('int_dates_classified') }}
),

workdays as (
    select
        cases.district_code,
        cases.case_id,
        count(*) filter (where dates.is_workday) as workdays_to_close,
    from cases
    inner join dates
        on dates.date_day > cases.received_date
        and dates.date_day <= cases.closed_date
    group by all
),

final as (
    select
        cases.*,
        cases.closed_date - cases.received_date as days_to_close,
        case
            when cases.closed_date is not null
                then coalesce(workdays.workdays_to_close, 0)
        end as workdays_to_close,
    from cases
    left join workdays
        on cases.district_code = workdays.district_code
        and cases.case_id = workdays.case_id
)

select * from final
