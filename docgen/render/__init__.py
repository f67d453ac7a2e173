"""Rendering: .docx from templates (docxtpl) and PDF through LibreOffice."""
