<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>laravel-hello</title></head>
<body>
<p>code={{ $code }} view=v1 config={{ $config }} visits={{ $visits }}</p>
</body>
</html>
