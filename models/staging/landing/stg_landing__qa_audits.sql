{{ staging_current('qa_audits') }}
