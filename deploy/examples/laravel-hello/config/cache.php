<?php

return [
    // `queue:restart` leaves its signal here; workers read it after each job.
    'default' => env('CACHE_DRIVER', 'file'),

    'stores' => [
        'array' => ['driver' => 'array', 'serialize' => false],
        'file' => ['driver' => 'file', 'path' => storage_path('framework/cache/data')],
    ],

    'prefix' => 'laravel_hello_cache',
];
