<?php

namespace App\Http\Middleware;

use Illuminate\Foundation\Http\Middleware\PreventRequestsDuringMaintenance as Middleware;

class PreventRequestsDuringMaintenance extends Middleware
{
    /** The health check keeps answering while the app is down for maintenance. */
    protected $except = [
        'up',
    ];
}
