<?php

use App\Http\Controllers\ReleaseController;
use Illuminate\Support\Facades\Route;

Route::get('/', [ReleaseController::class, 'show']);
Route::post('/visits', [ReleaseController::class, 'visit']);
Route::get('/up', [ReleaseController::class, 'up']);
