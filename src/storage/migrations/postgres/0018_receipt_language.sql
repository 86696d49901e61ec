-- Receipt emails in the sender's language (issue 17): the language the account chose on its receipts page
-- (a LanguageCode such as en, fr, ja). NULL: chosen before this column existed, English.
ALTER TABLE receipt_preferences ADD COLUMN locale TEXT;
