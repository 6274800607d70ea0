"""Question-bank checkers (issue 9, N-4.2, 附件6): a pure library, no models and no views.

Read the uploaded workbooks with `parse`, check them with `checks`, hand out blank workbooks
with `templates`; the thresholds come from `requirements.BankRequirements`.
"""
