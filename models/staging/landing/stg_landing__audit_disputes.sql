{{ staging_current('audit_disputes') }}
