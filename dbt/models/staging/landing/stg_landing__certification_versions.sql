-- Every version of every certification record: one row per (credit code,
-- campaign year, load), withdrawn loads out, the file's last row where a
-- load repeats a key. fct_certification_history dates the versions; the
-- latest of each key is stg_landing__certifications.
with certifications as (
    select * from {{ source('landing', 'certification') }}
),

versions as (
    {{ latest_versions(
        'certifications', ['enterprise_uscc', 'campaign_year', 'load_seq']
    ) }}
),

final as (
    select
        enterprise_uscc,
        campaign_year,
        enterprise_name,
        district_code,
        subdistrict,
        industry,
        employees,
        score,
        status,
        certified_date,
        {{ certification_valid_until('valid_until', 'certified_date') }}
            as valid_until,
        revoked_date,
        load_id,
        load_seq,
        source_row
    from versions
)

select * from final
